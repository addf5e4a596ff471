/**
 * @burrow/session-recorder — encrypted append-only session logs, chunked upload, replay.
 * Not built yet (issue "Access to a private PostgreSQL with credential injection and session
 * recording"); this module exports nothing so that nothing can pretend to use it.
 */
export {};
