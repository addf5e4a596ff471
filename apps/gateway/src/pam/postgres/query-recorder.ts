/**
 * Turns the relayed PostgreSQL messages of one connection into session-log events
 * `{timestamp, input, output}` (docs/pam-contract.md "Events", reference §8.4).
 *
 *   simple query    'Q' text                      -> one event when ReadyForQuery arrives:
 *                                                    input = the text, output = every
 *                                                    CommandComplete tag joined by "; ", or the
 *                                                    error ("ERROR: ...")
 *   extended        'P' name, query, param types  -> remembered per statement name
 *                   'B' portal, statement, params -> remembered per portal (parameters rendered)
 *                   'E' portal                    -> one event when its CommandComplete /
 *                                                    EmptyQueryResponse / PortalSuspended /
 *                                                    ErrorResponse arrives: input = query with
 *                                                    the bound parameters interpolated
 *   function call   'F'                           -> "<function call oid N>"
 *
 * Matching answers to requests: every client message that the server answers is queued in
 * order (Parse -> ParseComplete, Bind -> BindComplete, Describe -> RowDescription/NoData,
 * Close -> CloseComplete, Execute -> its completion, Sync/Query/FunctionCall -> ReadyForQuery).
 * An ErrorResponse in the extended protocol fails the head of the queue and the server skips to
 * the next Sync, so every queued request up to that Sync fails with it (Executes are recorded
 * with the error; a failed Parse or Bind without an Execute is recorded once).
 *
 * Nothing executed goes unrecorded (issue 14):
 *   - statements and portals are never forgotten while still executable: they leave the maps on
 *     Close (or when a new one of the same name replaces them). Their text is bounded in total by
 *     {@link MAX_REMEMBERED_CHARS}; a Parse or Bind beyond it throws {@link RecorderLimitError}
 *     and the connection is closed before that message reaches the database.
 *   - requests awaiting an answer are never dropped, however many are pipelined; the proxy stops
 *     reading the caller while more than {@link PENDING_PAUSE_AT} wait (backpressure, not loss).
 *   - query text is kept in full up to {@link MAX_RECORDED_QUERY_CHARS}; longer text (and any
 *     message over the splitter's inspection bound, {@link MAX_INSPECTED_CLIENT_MESSAGE_BYTES})
 *     is kept up to that bound and marked `… (truncated: <n> bytes in all, SHA-256 <hex> of
 *     <what>)`, so the whole of it can still be matched against a copy.
 * A message it cannot parse is recorded as unparseable and never stops the relay; only the
 * limit above does. The answer to a recorded request is held by the proxy until its event is on
 * disk, and a failed append closes the connection instead (fail closed).
 */
import { createHash } from 'node:crypto';
import { interpolateParameters, parseBind } from './bound-parameters.ts';
import { summarizeError } from './error-response.ts';
import { RequestQueue } from './request-queue.ts';
import type { PgMessage } from './wire-messages.ts';
import { BodyReader } from './wire-messages.ts';

/** One entry of the session log. */
export interface QueryEvent {
  readonly timestamp: string;
  readonly input: string;
  readonly output: string;
}

/** Client message types the recorder reads. */
export const RECORDED_CLIENT_TYPES: ReadonlySet<string> = new Set([
  'Q',
  'P',
  'B',
  'E',
  'D',
  'C',
  'S',
  'F',
]);

/** Server message types the recorder reads (DataRow and CopyData stream past unread). */
export const RECORDED_SERVER_TYPES: ReadonlySet<string> = new Set([
  'C',
  'E',
  'Z',
  'I',
  's',
  '1',
  '2',
  '3',
  'n',
  'T',
  'V',
]);

/**
 * Query text is recorded in full up to this many characters (4 Mi: far above hand-written or
 * generated SQL; an event of that size still fits a record and an upload batch); beyond it the
 * text is cut and marked with its full size and SHA-256.
 */
export const MAX_RECORDED_QUERY_CHARS = 4 * 1024 * 1024;
/**
 * Client messages of the recorded types are read whole up to this body size; larger ones stream
 * through to the database and the recorder sees their first bytes and the SHA-256 of the body.
 */
export const MAX_INSPECTED_CLIENT_MESSAGE_BYTES = 4 * 1024 * 1024;
/**
 * Text of the prepared statements and portals of one connection, in total. They cannot be
 * forgotten while the database can still execute them, so past this the connection is closed
 * (64 Mi characters: thousands of ordinary statements; ORMs that prepare without closing stay
 * far below).
 */
export const MAX_REMEMBERED_CHARS = 64 * 1024 * 1024;
/** The proxy stops reading the caller while this many requests wait for an answer… */
export const PENDING_PAUSE_AT = 100_000;
/** …and reads again once the database has answered down to this many. */
export const PENDING_RESUME_AT = 10_000;

/** The recorder would have to forget something still executable: the connection must close. */
export class RecorderLimitError extends Error {
  override name = 'RecorderLimitError';
}

type Pending =
  | { kind: 'query'; timestamp: string; input: string; outputs: string[] }
  | { kind: 'execute'; timestamp: string; input: string }
  | { kind: 'parse'; timestamp: string; input: string }
  | { kind: 'bind'; timestamp: string; input: string }
  | { kind: 'describe' }
  | { kind: 'close' }
  | { kind: 'sync' };

interface Statement {
  readonly query: string;
  readonly parameterTypes: readonly number[];
  /** For a statement too large to keep whole: the truncation mark that follows its text. */
  readonly mark?: string;
}

export class QueryRecorder {
  private readonly onEvent: (event: QueryEvent) => void;
  private readonly now: () => Date;
  private readonly statements = new Map<string, Statement>();
  private readonly portals = new Map<string, string>();
  private readonly pending = new RequestQueue<Pending>();
  /** Characters of statement and portal text held. */
  private rememberedChars = 0;

  constructor(onEvent: (event: QueryEvent) => void, now: () => Date = () => new Date()) {
    this.onEvent = onEvent;
    this.now = now;
  }

  /** Requests waiting for the server's answer (the proxy's backpressure reads this). */
  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * A message the caller sent (before it is forwarded). Throws RecorderLimitError when it would
   * make the recorder forget an executable statement: close the connection, do not forward it.
   */
  fromClient(message: PgMessage): void {
    const timestamp = this.now().toISOString();
    try {
      const reader = new BodyReader(message.body);
      switch (message.type) {
        case 'Q': {
          const text = reader.cstring();
          this.forgetDeallocated(text);
          this.enqueue({ kind: 'query', timestamp, input: clip(text), outputs: [] });
          break;
        }
        case 'P': {
          const name = reader.cstring();
          const query = clip(reader.cstring());
          const count = reader.int16();
          const parameterTypes: number[] = [];
          for (let i = 0; i < count; i++) parameterTypes.push(reader.uint32());
          this.rememberStatement(name, { query, parameterTypes });
          this.enqueue({ kind: 'parse', timestamp, input: query });
          break;
        }
        case 'B': {
          const statementName = peekBindStatement(message.body);
          const statement = this.statements.get(statementName);
          const bind = parseBind(message.body, statement?.parameterTypes ?? []);
          const query = statement?.query ?? `<unknown prepared statement "${statementName}">`;
          const input =
            clip(interpolateParameters(query, bind.parameters)) + (statement?.mark ?? '');
          this.rememberPortal(bind.portal, input);
          this.enqueue({ kind: 'bind', timestamp, input });
          break;
        }
        case 'E': {
          const portal = reader.cstring();
          const input = this.portals.get(portal) ?? `<unknown portal "${portal}">`;
          this.enqueue({ kind: 'execute', timestamp, input });
          break;
        }
        case 'D':
          this.enqueue({ kind: 'describe' });
          break;
        case 'C': {
          const what = reader.bytes(1).toString('latin1');
          const name = reader.cstring();
          if (what === 'S') this.forget(this.statements, name);
          else this.forget(this.portals, name);
          this.enqueue({ kind: 'close' });
          break;
        }
        case 'S':
          this.enqueue({ kind: 'sync' });
          break;
        case 'F': {
          const oid = reader.uint32();
          this.enqueue({
            kind: 'query',
            timestamp,
            input: `<function call oid ${oid}>`,
            outputs: [],
          });
          break;
        }
      }
    } catch (error) {
      if (error instanceof RecorderLimitError) throw error;
      if (message.type === 'Q' || message.type === 'F') {
        this.enqueue({ kind: 'query', timestamp, input: '<unparseable message>', outputs: [] });
      } else if (message.type === 'E') {
        this.enqueue({ kind: 'execute', timestamp, input: '<unparseable message>' });
      }
    }
  }

  /**
   * A client message too large to read whole, once all of it went by: its first bytes and the
   * SHA-256 of its body (wire-messages.ts 'oversized-end'). Recorded like the message itself,
   * its text cut and marked.
   */
  fromClientOversized(type: string, length: number, prefix: Buffer, sha256: string): void {
    const timestamp = this.now().toISOString();
    const mark = `… (truncated: the ${type} message is ${length} bytes; SHA-256 of its body ${sha256})`;
    const reader = new PrefixReader(prefix);
    switch (type) {
      case 'Q':
        this.enqueue({ kind: 'query', timestamp, input: reader.text() + mark, outputs: [] });
        return;
      case 'P': {
        const name = reader.cstring();
        const query = name === undefined ? '' : reader.text();
        if (name !== undefined) this.rememberStatement(name, { query, parameterTypes: [], mark });
        this.enqueue({ kind: 'parse', timestamp, input: query + mark });
        return;
      }
      case 'B': {
        const portal = reader.cstring();
        const statementName = reader.cstring();
        const statement =
          statementName === undefined ? undefined : this.statements.get(statementName);
        const query = statement?.query ?? `<unknown prepared statement "${statementName ?? '?'}">`;
        const input = `${clip(query)}${statement?.mark ?? ''}\n-- parameters not shown${mark}`;
        if (portal !== undefined) this.rememberPortal(portal, input);
        this.enqueue({ kind: 'bind', timestamp, input });
        return;
      }
      case 'F':
        this.enqueue({ kind: 'query', timestamp, input: `<function call>${mark}`, outputs: [] });
        return;
      default:
        // E, D, C, S are tiny; an oversized one is as odd as it gets: track it for the queue.
        this.fromClient({ type, body: prefix });
    }
  }

  /** A server message too large to read whole: what its first bytes say still counts. */
  fromServerOversized(type: string, prefix: Buffer): void {
    this.fromServer({ type, body: prefix });
  }

  /** A message the server sent (before it is forwarded). */
  fromServer(message: PgMessage): void {
    const head = this.pending.peek();
    switch (message.type) {
      case 'E':
        this.onError(summarizeError(message.body));
        return;
      case 'Z':
        this.onReady();
        return;
      case 'C': {
        const tag = safeCString(message.body);
        if (head?.kind === 'query') head.outputs.push(tag);
        else if (head?.kind === 'execute') this.complete(head, tag);
        return;
      }
      case 'I':
        if (head?.kind === 'query') head.outputs.push('EMPTY QUERY');
        else if (head?.kind === 'execute') this.complete(head, 'EMPTY QUERY');
        return;
      case 's':
        if (head?.kind === 'execute') this.complete(head, 'SUSPENDED (row limit reached)');
        return;
      case 'V':
        if (head?.kind === 'query') head.outputs.push('FUNCTION CALL');
        return;
      case '1':
        if (head?.kind === 'parse') this.pending.shift();
        return;
      case '2':
        if (head?.kind === 'bind') this.pending.shift();
        return;
      case '3':
        if (head?.kind === 'close') this.pending.shift();
        return;
      case 'T':
      case 'n':
        if (head?.kind === 'describe') this.pending.shift();
        return;
    }
  }

  /**
   * The connection closed: requests still waiting for an answer are recorded as such, with the
   * reason when the gateway closed it (e.g. "the PAM session … expired at …").
   */
  close(reason?: string): void {
    const why = reason === undefined ? '' : `: ${reason}`;
    for (const item of this.pending.drain()) {
      if (item.kind === 'query') {
        const outputs = [...item.outputs, `(connection closed before the query finished${why})`];
        this.emit(item.timestamp, item.input, outputs.join('; '));
      } else if (item.kind === 'execute') {
        this.emit(item.timestamp, item.input, `(connection closed before a result${why})`);
      }
    }
  }

  private onError(summary: string): void {
    const head = this.pending.peek();
    if (!head) return; // e.g. a FATAL at shutdown: not a query's answer
    if (head.kind === 'query') {
      head.outputs.push(summary);
      return;
    }
    // Extended protocol: the server discards everything up to the next Sync.
    const failed = this.pending.takeUntil((item) => item.kind === 'sync');
    let recorded = false;
    for (const item of failed) {
      if (item.kind === 'execute') {
        this.emit(item.timestamp, item.input, summary);
        recorded = true;
      }
    }
    const first = failed[0];
    if (!recorded && first && (first.kind === 'parse' || first.kind === 'bind')) {
      this.emit(first.timestamp, first.input, summary);
    }
  }

  private onReady(): void {
    // Pop through the request that ReadyForQuery answers; anything before it got no answer.
    while (this.pending.length > 0) {
      const item = this.pending.shift() as Pending;
      if (item.kind === 'query') {
        this.emit(item.timestamp, item.input, item.outputs.join('; ') || 'OK');
        return;
      }
      if (item.kind === 'sync') return;
      if (item.kind === 'execute') this.emit(item.timestamp, item.input, '(no result)');
    }
  }

  private complete(item: Pending & { kind: 'execute' }, output: string): void {
    this.pending.shift();
    this.emit(item.timestamp, item.input, output);
  }

  private enqueue(item: Pending): void {
    this.pending.push(item);
  }

  private rememberStatement(name: string, statement: Statement): void {
    this.forget(this.statements, name);
    this.remember(statement.query.length);
    this.statements.set(name, statement);
  }

  private rememberPortal(name: string, input: string): void {
    this.forget(this.portals, name);
    this.remember(input.length);
    this.portals.set(name, input);
  }

  private remember(chars: number): void {
    if (this.rememberedChars + chars > MAX_REMEMBERED_CHARS) {
      throw new RecorderLimitError(
        `this connection's prepared statements and portals hold ${this.rememberedChars} characters of SQL; ` +
          `the gateway records at most ${MAX_REMEMBERED_CHARS} and never forgets one the database can still execute: ` +
          'close statements you no longer need (Close / DEALLOCATE) or reconnect',
      );
    }
    this.rememberedChars += chars;
  }

  /**
   * `DEALLOCATE name`, `DEALLOCATE ALL` and `DISCARD ALL` sent alone as a simple query free
   * statements like Close does (only for the memory bound: if the database refuses, a later
   * Bind of the name fails there too).
   */
  private forgetDeallocated(text: string): void {
    if (
      /^\s*DISCARD\s+ALL\s*;?\s*$/i.test(text) ||
      /^\s*DEALLOCATE\s+(PREPARE\s+)?ALL\s*;?\s*$/i.test(text)
    ) {
      for (const name of [...this.statements.keys()]) this.forget(this.statements, name);
      return;
    }
    const match =
      /^\s*DEALLOCATE\s+(?:PREPARE\s+)?(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_$]*))\s*;?\s*$/i.exec(
        text,
      );
    if (match) this.forget(this.statements, match[1] ?? (match[2] as string).toLowerCase());
  }

  private forget(map: Map<string, Statement | string>, name: string): void {
    const old = map.get(name);
    if (old === undefined) return;
    this.rememberedChars -= typeof old === 'string' ? old.length : old.query.length;
    map.delete(name);
  }

  private emit(timestamp: string, input: string, output: string): void {
    this.onEvent({ timestamp, input, output });
  }
}

function peekBindStatement(body: Buffer): string {
  const reader = new BodyReader(body);
  reader.cstring();
  return reader.cstring();
}

function safeCString(body: Buffer): string {
  const end = body.indexOf(0);
  return body.toString('utf8', 0, end < 0 ? body.length : end);
}

/** The text in full up to MAX_RECORDED_QUERY_CHARS; beyond, cut and marked with size and hash. */
function clip(text: string): string {
  if (text.length <= MAX_RECORDED_QUERY_CHARS) return text;
  const whole = Buffer.from(text, 'utf8');
  const sha256 = createHash('sha256').update(whole).digest('hex');
  return (
    `${text.slice(0, MAX_RECORDED_QUERY_CHARS)}… (truncated: ${whole.length} bytes in all; ` +
    `SHA-256 of the whole UTF-8 text ${sha256})`
  );
}

/** Reads fields from the first bytes of a message that may end anywhere. */
class PrefixReader {
  private offset = 0;
  private readonly bytes: Buffer;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  /** A NUL-terminated string, or undefined when the prefix ends first. */
  cstring(): string | undefined {
    const end = this.bytes.indexOf(0, this.offset);
    if (end < 0) return undefined;
    const value = this.bytes.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return value;
  }

  /** The text from here to the next NUL or the end of the prefix. */
  text(): string {
    const end = this.bytes.indexOf(0, this.offset);
    const value = this.bytes.toString('utf8', this.offset, end < 0 ? this.bytes.length : end);
    this.offset = end < 0 ? this.bytes.length : end + 1;
    return value;
  }
}
