/**
 * What a reader of a recording shows, as pure functions of its events with no Node built-ins:
 * the web console (@burrow/console) bundles this entry point, the CLI and gateway use the same
 * functions through the package's main entry.
 */
export {
  eventsToAsciicast,
  eventsToCommandLog,
  isTerminalRecording,
} from './terminal-recording-export.ts';
export { formatHttpEvent, isHttpEvent, type HttpEventFields } from './http-event-text.ts';
export type { DatabaseSessionEvent } from './session-event.ts';
