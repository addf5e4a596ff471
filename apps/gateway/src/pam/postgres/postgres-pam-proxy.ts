/**
 * One caller connection of a PostgreSQL PAM session: the gateway plays the server to the caller
 * and the client to the database, injecting the stored credentials (reference §8.3).
 *
 *   caller                         gateway                                  database
 *   SSLRequest / GSSENCRequest ->  'N'
 *   StartupMessage(user?, db?) ->  fetch credentials (cached per session)
 *                                  TCP + SSLRequest (+ TLS)             ->
 *                                  StartupMessage(user, database from the stored credentials)
 *                                  answers R(cleartext|md5|SASL...)   <->  (password never leaves
 *                                                                           the gateway)
 *                        <- R(Ok)  <- AuthenticationOk
 *   then every message relayed both ways, framed:
 *     caller -> database   Q/P/B/E/D/C/S/F read by the QueryRecorder, forwarded unchanged
 *     database -> caller   completions/errors read by the QueryRecorder; BackendKeyData replaced
 *                          by a per-session alias (backend-keys.ts); DataRow/CopyData stream past
 *   CancelRequest (on its own PAM tunnel of the same session) -> resolved through the alias table
 *                          and sent to the database on a new connection; the caller gets no answer
 *
 * Failures the caller sees as a FATAL ErrorResponse (psql prints "FATAL:  <message>"):
 *   no credentials (session ended/expired/refused), database unreachable, TLS required but refused,
 *   login refused ("gateway could not authenticate to the database as <user>: <server message>"),
 *   session expired or cancelled while connected (written at a message boundary, then closed).
 * Messages never contain the password; logs carry the user, host and reason only.
 */
import type tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from '@burrow/observability';
import type { PamSessionContext } from '../pam-protocol.ts';
import type { PamRefusalReason } from '../pam-session-error.ts';
import { PamSessionError } from '../pam-session-error.ts';
import type { BackendKey, BackendKeyTable } from './backend-keys.ts';
import { SQLSTATE, encodeErrorResponse } from './error-response.ts';
import { MessageReader } from './message-reader.ts';
import type { PostgresCredentials } from './postgres-credentials.ts';
import {
  MAX_INSPECTED_CLIENT_MESSAGE_BYTES,
  PENDING_PAUSE_AT,
  PENDING_RESUME_AT,
  QueryRecorder,
  RECORDED_CLIENT_TYPES,
  RECORDED_SERVER_TYPES,
  RecorderLimitError,
} from './query-recorder.ts';
import { ServerAuthenticationError, authenticateToServer } from './server-authentication.ts';
import { encodeCancelRequest, encodeStartupMessage, readCallerStartup } from './startup.ts';
import type { PostgresTarget } from './target-connection.ts';
import { TargetConnectionError, connectToTarget } from './target-connection.ts';
import type { SplitterOutput } from './wire-messages.ts';
import { PgMessageSplitter, PgProtocolError, encodeMessage, int32 } from './wire-messages.ts';

/** The caller has this long to send its startup packet (libpq sends it at once). */
export const CALLER_STARTUP_TIMEOUT_MS = 30_000;
/** Connect + TLS + login to the database must finish within this. */
export const SERVER_LOGIN_TIMEOUT_MS = 30_000;
/**
 * Server messages the recorder reads are buffered up to this; larger ones stream past and the
 * recorder reads their first bytes (an error message is never that long in its useful part).
 */
export const MAX_INSPECTED_SERVER_MESSAGE_BYTES = 1024 * 1024;

/** A failure the caller sees as a FATAL ErrorResponse (no secret in the message). */
export class PostgresFatalError extends Error {
  readonly sqlState: string;
  constructor(message: string, sqlState: string) {
    super(message);
    this.name = 'PostgresFatalError';
    this.sqlState = sqlState;
  }
}

/** The SQLSTATE a refusal of the PAM core is reported with. */
const REFUSAL_SQLSTATE: Record<PamRefusalReason, string> = {
  ended: SQLSTATE.adminShutdown,
  refused: SQLSTATE.invalidAuthorization,
  unavailable: SQLSTATE.unableToConnect,
  'not-recordable': SQLSTATE.connectionFailure,
};

/** What one connection needs from its session: the PAM core's, plus the backend-key aliases. */
export interface PostgresSessionContext extends PamSessionContext<PostgresCredentials> {
  /** The session's BackendKeyData aliases (query cancellation across its connections). */
  readonly backendKeys: BackendKeyTable;
}

type State = 'startup' | 'login' | 'relay' | 'closed';

/**
 * Drives one caller connection; `closed` resolves when both sides are gone.
 *
 * @example
 *   const connection = new PostgresPamConnection(socket, session, logger);
 *   connection.start();
 *   connection.terminate('the session expired');
 */
export class PostgresPamConnection {
  private readonly caller: tls.TLSSocket;
  private readonly session: PostgresSessionContext;
  private readonly logger: Logger;
  private state: State = 'startup';
  private server: Duplex | undefined;
  private serverTcp: Duplex | undefined;
  private readonly abort = new AbortController();
  private recorder: QueryRecorder | undefined;
  /** Appends started for events the server just completed; the reply waits for them. */
  private readonly pendingAppends: Promise<void>[] = [];
  private clientSplitter: PgMessageSplitter | undefined;
  private serverSplitter: PgMessageSplitter | undefined;
  private aliasKey: BackendKey | undefined;
  /** Why the gateway closed the connection, for the recording. */
  private closeReason: string | undefined;
  private resolveClosed!: () => void;
  readonly closed: Promise<void> = new Promise((resolve) => (this.resolveClosed = resolve));

  constructor(caller: tls.TLSSocket, session: PostgresSessionContext, logger: Logger) {
    this.caller = caller;
    this.session = session;
    this.logger = logger;
    caller.once('close', () => this.teardown());
  }

  /** A method, not a field read, so TypeScript does not narrow it away across awaits. */
  private get isClosed(): boolean {
    return this.state === 'closed';
  }

  start(): void {
    void this.run().catch((error: unknown) => this.fail(error));
  }

  /**
   * Ends the connection from the gateway's side: the caller gets a FATAL ErrorResponse with
   * `reason` when the stream is at a message boundary, then both sides are closed.
   */
  terminate(reason: string): void {
    if (this.isClosed) return;
    this.logger.info({ reason }, 'pam connection terminated by the gateway');
    this.closeReason = reason;
    this.abort.abort();
    const boundary = this.serverSplitter ? this.serverSplitter.atMessageBoundary : true;
    this.closeWithError(
      boundary ? new PostgresFatalError(reason, SQLSTATE.adminShutdown) : undefined,
    );
  }

  private async run(): Promise<void> {
    const startupTimer = setTimeout(
      () => this.fail(new PgProtocolError('no startup packet within the deadline')),
      CALLER_STARTUP_TIMEOUT_MS,
    );
    let startup;
    try {
      startup = await readCallerStartup(this.caller);
    } finally {
      clearTimeout(startupTimer);
    }
    if (this.isClosed) return;
    if (startup.kind === 'cancel') {
      await this.forwardCancel(startup.processId, startup.secretKey);
      return;
    }
    this.state = 'login';
    const loginTimer = setTimeout(
      () =>
        this.fail(
          new PostgresFatalError(
            `gateway could not log in to the database within ${SERVER_LOGIN_TIMEOUT_MS / 1000} s`,
            SQLSTATE.unableToConnect,
          ),
        ),
      SERVER_LOGIN_TIMEOUT_MS,
    );
    try {
      await this.login(startup.protocolVersion, startup.parameters, startup.rest);
    } finally {
      clearTimeout(loginTimer);
    }
  }

  private async login(
    protocolVersion: number,
    parameters: ReadonlyMap<string, string>,
    callerRest: Buffer,
  ): Promise<void> {
    const credentials = await this.session.credentials();
    if (this.isClosed) return;
    const target = await connectToTarget(credentials, undefined, this.abort.signal);
    this.server = target.socket;
    this.serverTcp = target.tcp;
    if (this.isClosed) {
      target.tcp.destroy();
      return;
    }
    target.tcp.once('close', () => this.onServerClosed());
    const reader = new MessageReader(target.socket);
    target.socket.write(
      encodeStartupMessage(protocolVersion, parameters, {
        user: credentials.username,
        database: credentials.database,
      }),
    );
    const early: Buffer[] = [];
    let method;
    try {
      method = await authenticateToServer(reader, target.socket, credentials, (message) =>
        early.push(encodeMessage(message.type, message.body)),
      );
    } catch (error) {
      if (error instanceof ServerAuthenticationError) {
        throw new PostgresFatalError(
          `gateway could not authenticate to the database as ${credentials.username}: ${error.message}`,
          error.sqlState ?? SQLSTATE.invalidPassword,
        );
      }
      throw error;
    }
    if (this.isClosed) return;
    const serverRest = reader.release();
    this.logger.info(
      {
        user: credentials.username,
        database: credentials.database,
        target: `${credentials.host}:${credentials.port}`,
        tls: target.tls,
        method,
      },
      'pam connection logged in to the database',
    );
    // AuthenticationOk is the only authentication message the caller ever sees.
    this.caller.write(Buffer.concat([...early, encodeMessage('R', int32(0))]));
    this.startRelay(credentials, callerRest, serverRest);
  }

  private startRelay(target: PostgresTarget, callerRest: Buffer, serverRest: Buffer): void {
    const server = this.server!;
    this.state = 'relay';
    const recorder = new QueryRecorder((event) => {
      const append = this.session.record(event);
      // Awaited with the answer it belongs to; one written after the connection closed is
      // awaited by nobody, and its failure is already logged.
      append.catch(() => undefined);
      this.pendingAppends.push(append);
    });
    this.recorder = recorder;
    const clientSplitter = new PgMessageSplitter({
      inspect: RECORDED_CLIENT_TYPES,
      maxInspectedBodyBytes: MAX_INSPECTED_CLIENT_MESSAGE_BYTES,
    });
    const serverSplitter = new PgMessageSplitter({
      inspect: new Set([...RECORDED_SERVER_TYPES, 'K']),
      maxInspectedBodyBytes: MAX_INSPECTED_SERVER_MESSAGE_BYTES,
    });
    this.clientSplitter = clientSplitter;
    this.serverSplitter = serverSplitter;

    const fromCaller = (item: SplitterOutput): Buffer | undefined => {
      if (item.kind === 'bytes') return item.bytes;
      if (item.kind === 'oversized') return undefined;
      if (item.kind === 'oversized-end') {
        recorder.fromClientOversized(item.type, item.length, item.prefix, item.sha256);
        return undefined;
      }
      recorder.fromClient(item.message);
      return item.raw;
    };
    const fromServer = (item: SplitterOutput): Buffer | undefined => {
      if (item.kind === 'bytes') return item.bytes;
      if (item.kind === 'oversized') return undefined;
      if (item.kind === 'oversized-end') {
        recorder.fromServerOversized(item.type, item.prefix);
        return undefined;
      }
      if (item.message.type === 'K') return this.aliasBackendKey(item.message.body, target);
      recorder.fromServer(item.message);
      return item.raw;
    };
    // However many requests a caller pipelines, none is dropped: past PENDING_PAUSE_AT unanswered
    // ones the caller is not read until the database has answered down to PENDING_RESUME_AT.
    const afterCaller = (): void => {
      if (recorder.pendingCount >= PENDING_PAUSE_AT) this.hold(this.caller, 'pipelined');
    };
    const afterServer = (): void => {
      if (recorder.pendingCount <= PENDING_RESUME_AT) this.release(this.caller, 'pipelined');
    };
    this.pump(this.caller, server, clientSplitter, fromCaller, callerRest, afterCaller);
    this.pump(server, this.caller, serverSplitter, fromServer, serverRest, afterServer);
  }

  /** Why each stream is paused; it is resumed only when no reason is left. */
  private readonly pauses = new Map<Duplex, Set<string>>();

  private hold(stream: Duplex, reason: string): void {
    let reasons = this.pauses.get(stream);
    if (!reasons) this.pauses.set(stream, (reasons = new Set()));
    reasons.add(reason);
    stream.pause();
  }

  private release(stream: Duplex, reason: string): void {
    const reasons = this.pauses.get(stream);
    if (!reasons?.delete(reason)) return;
    if (reasons.size === 0 && !this.isClosed) stream.resume();
  }

  /**
   * Reads `source`, splits it, writes what `map` returns to `destination`, with backpressure.
   * Bytes that answer a recorded request wait until its event is on disk; if the append fails,
   * they are never written and the connection is closed (fail closed).
   */
  private pump(
    source: Duplex,
    destination: Duplex,
    splitter: PgMessageSplitter,
    map: (item: SplitterOutput) => Buffer | undefined,
    initial: Buffer,
    afterChunk: () => void,
  ): void {
    const handle = (chunk: Buffer): void => {
      if (this.isClosed) return;
      const out: Buffer[] = [];
      try {
        for (const item of splitter.push(chunk)) {
          const bytes = map(item);
          if (bytes && bytes.length > 0) out.push(bytes);
        }
      } catch (error) {
        // A protocol error, or the recorder's limit: nothing of this chunk is forwarded.
        this.pendingAppends.splice(0);
        this.fail(
          error instanceof RecorderLimitError
            ? new PostgresFatalError(`gateway: ${error.message}`, SQLSTATE.programLimitExceeded)
            : error,
        );
        return;
      }
      afterChunk();
      const appends = this.pendingAppends.splice(0);
      if (appends.length === 0) {
        forward(out);
        return;
      }
      // These bytes answer a query whose event is still being written. Hold them (and everything
      // after them) until the event is on disk: a gateway killed right after answering must not
      // have answered a query it never recorded.
      this.hold(source, 'recording');
      held = Promise.all(appends).then(
        () => {
          forward(out);
          this.release(source, 'recording');
        },
        (error: unknown) =>
          this.fail(
            new PostgresFatalError(
              `gateway could not record this query, so its answer is withheld and the connection closed: ${error instanceof Error ? error.message : String(error)}`,
              SQLSTATE.connectionFailure,
            ),
          ),
      );
    };
    /** Writes `out`; pauses the source until 'drain' when the destination is full. */
    const forward = (out: Buffer[]): void => {
      if (out.length === 0 || destination.destroyed || destination.writableEnded) return;
      const ok = destination.write(out.length === 1 ? out[0]! : Buffer.concat(out));
      if (!ok) {
        this.hold(source, 'drain');
        destination.once('drain', () => this.release(source, 'drain'));
      }
    };
    let held: Promise<void> = Promise.resolve();
    if (initial.length > 0) handle(initial);
    source.on('data', handle);
    source.once('end', () => {
      void held.then(() => {
        if (!destination.destroyed && !destination.writableEnded) destination.end();
      });
    });
    if (!this.pauses.get(source)?.size) source.resume();
  }

  private aliasBackendKey(body: Buffer, target: PostgresTarget): Buffer {
    if (body.length < 8) return encodeMessage('K', body);
    const real = { processId: body.readInt32BE(0), secretKey: Buffer.from(body.subarray(4)) };
    if (this.aliasKey) this.session.backendKeys.remove(this.aliasKey);
    const fake = this.session.backendKeys.add(real, target);
    this.aliasKey = fake;
    return encodeMessage('K', Buffer.concat([int32(fake.processId), fake.secretKey]));
  }

  private async forwardCancel(processId: number, secretKey: Buffer): Promise<void> {
    const match = this.session.backendKeys.resolve(processId, secretKey);
    if (!match) {
      this.logger.warn('cancel request for an unknown backend of this session; ignored');
      this.finish();
      return;
    }
    try {
      const target = await connectToTarget(match.target, undefined, this.abort.signal);
      target.socket.end(encodeCancelRequest(match.key.processId, match.key.secretKey));
      target.socket.resume();
      const timer = setTimeout(() => target.tcp.destroy(), 5_000);
      target.tcp.once('close', () => clearTimeout(timer));
      this.logger.info('cancel request forwarded to the database');
    } catch (error) {
      this.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'cancel request could not reach the database',
      );
    }
    this.finish();
  }

  private onServerClosed(): void {
    if (this.state === 'relay') {
      // Let what the server wrote reach the caller, then end.
      if (!this.caller.destroyed && !this.caller.writableEnded) this.caller.end();
      const timer = setTimeout(() => this.caller.destroy(), 5_000);
      timer.unref();
    }
  }

  private fail(error: unknown): void {
    if (this.isClosed) return;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof PamSessionError) {
      const fatal = new PostgresFatalError(message, REFUSAL_SQLSTATE[error.reason]);
      this.logger.warn({ error: message, sqlState: fatal.sqlState }, 'pam connection refused');
      this.closeWithError(fatal);
    } else if (error instanceof PostgresFatalError) {
      this.logger.warn({ error: message, sqlState: error.sqlState }, 'pam connection refused');
      this.closeWithError(error);
    } else if (error instanceof TargetConnectionError) {
      this.logger.warn({ error: message }, 'pam connection: database unreachable');
      this.closeWithError(
        new PostgresFatalError(`gateway could not connect: ${message}`, SQLSTATE.unableToConnect),
      );
    } else if (error instanceof PgProtocolError) {
      this.logger.warn({ error: message }, 'pam connection: protocol error');
      this.closeWithError(
        this.state === 'startup' && /closed the connection during startup/.test(message)
          ? undefined
          : new PostgresFatalError(`gateway: ${message}`, SQLSTATE.protocolViolation),
      );
    } else {
      this.logger.error({ error: message }, 'pam connection failed');
      this.closeWithError(
        new PostgresFatalError(`gateway error: ${message}`, SQLSTATE.connectionFailure),
      );
    }
  }

  /** Writes a FATAL error (if given) to the caller, then closes both sides. */
  private closeWithError(error: PostgresFatalError | undefined): void {
    if (this.isClosed) return;
    this.abort.abort();
    if (this.serverTcp) {
      // Terminate politely when logged in; the socket is destroyed right after anyway.
      if (this.state === 'relay' && this.server && !this.server.destroyed) {
        this.server.write(encodeMessage('X'));
      }
      this.serverTcp.destroy();
    }
    if (error && !this.caller.destroyed && !this.caller.writableEnded) {
      this.caller.write(
        encodeErrorResponse({ severity: 'FATAL', code: error.sqlState, message: error.message }),
      );
    }
    this.finish();
  }

  private finish(): void {
    if (!this.caller.destroyed && !this.caller.writableEnded) {
      this.caller.resume();
      this.caller.end();
      const timer = setTimeout(() => this.caller.destroy(), 5_000);
      timer.unref();
      this.caller.once('close', () => clearTimeout(timer));
    }
    this.teardown();
  }

  private teardown(): void {
    if (this.isClosed) return;
    this.state = 'closed';
    this.abort.abort();
    this.serverTcp?.destroy();
    if (this.aliasKey) this.session.backendKeys.remove(this.aliasKey);
    this.recorder?.close(this.closeReason);
    this.resolveClosed();
  }
}
