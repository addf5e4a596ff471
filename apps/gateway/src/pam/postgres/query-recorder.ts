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
 * The recorder only observes: a message it cannot parse is logged as unparseable and never
 * stops the relay. Its state is bounded (statement and portal maps, queue length, text sizes).
 */
import { interpolateParameters, parseBind } from './bound-parameters.ts';
import { summarizeError } from './error-response.ts';
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

/** A query text in the log is cut here (a 1 MiB statement is readable; 1 GiB is not). */
export const MAX_RECORDED_INPUT_CHARS = 1024 * 1024;
/** Named statements kept per connection; the oldest is forgotten past this. */
const MAX_STATEMENTS = 10_000;
/** Requests awaiting an answer; a client that pipelines more is not tracked beyond it. */
const MAX_PENDING = 100_000;

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
}

export class QueryRecorder {
  private readonly onEvent: (event: QueryEvent) => void;
  private readonly now: () => Date;
  private readonly statements = new Map<string, Statement>();
  private readonly portals = new Map<string, string>();
  private readonly pending: Pending[] = [];

  constructor(onEvent: (event: QueryEvent) => void, now: () => Date = () => new Date()) {
    this.onEvent = onEvent;
    this.now = now;
  }

  /** A message the caller sent (before it is forwarded). */
  fromClient(message: PgMessage): void {
    const timestamp = this.now().toISOString();
    try {
      const reader = new BodyReader(message.body);
      switch (message.type) {
        case 'Q':
          this.enqueue({ kind: 'query', timestamp, input: clip(reader.cstring()), outputs: [] });
          break;
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
          const input = clip(interpolateParameters(query, bind.parameters));
          this.portals.set(bind.portal, input);
          if (this.portals.size > MAX_STATEMENTS) this.forgetOldest(this.portals);
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
          if (what === 'S') this.statements.delete(name);
          else this.portals.delete(name);
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
    } catch {
      if (message.type === 'Q' || message.type === 'F') {
        this.enqueue({ kind: 'query', timestamp, input: '<unparseable message>', outputs: [] });
      } else if (message.type === 'E') {
        this.enqueue({ kind: 'execute', timestamp, input: '<unparseable message>' });
      }
    }
  }

  /** A client message too large to inspect (its bytes were forwarded without being read). */
  fromClientOversized(type: string, length: number): void {
    const timestamp = this.now().toISOString();
    const input = `<message of ${length} bytes, too large to record>`;
    switch (type) {
      case 'Q':
      case 'F':
        this.enqueue({ kind: 'query', timestamp, input, outputs: [] });
        break;
      case 'P':
        this.enqueue({ kind: 'parse', timestamp, input });
        break;
      case 'B':
        this.enqueue({ kind: 'bind', timestamp, input });
        break;
      default:
        // D, C, S, E are tiny; an oversized one is as odd as it gets: track it for the queue.
        this.fromClient({ type, body: Buffer.alloc(0) });
    }
  }

  /** A message the server sent (before it is forwarded). */
  fromServer(message: PgMessage): void {
    const head = this.pending[0];
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
    for (const item of this.pending.splice(0)) {
      if (item.kind === 'query') {
        const outputs = [...item.outputs, `(connection closed before the query finished${why})`];
        this.emit(item.timestamp, item.input, outputs.join('; '));
      } else if (item.kind === 'execute') {
        this.emit(item.timestamp, item.input, `(connection closed before a result${why})`);
      }
    }
  }

  private onError(summary: string): void {
    const head = this.pending[0];
    if (!head) return; // e.g. a FATAL at shutdown: not a query's answer
    if (head.kind === 'query') {
      head.outputs.push(summary);
      return;
    }
    // Extended protocol: the server discards everything up to the next Sync.
    const syncAt = this.pending.findIndex((item) => item.kind === 'sync');
    const failed = this.pending.splice(0, syncAt < 0 ? this.pending.length : syncAt);
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
      const item = this.pending.shift()!;
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
    if (this.pending.length >= MAX_PENDING) return;
    this.pending.push(item);
  }

  private rememberStatement(name: string, statement: Statement): void {
    this.statements.delete(name);
    this.statements.set(name, statement);
    if (this.statements.size > MAX_STATEMENTS) this.forgetOldest(this.statements);
  }

  private forgetOldest(map: Map<string, unknown>): void {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
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

function clip(text: string): string {
  return text.length > MAX_RECORDED_INPUT_CHARS
    ? `${text.slice(0, MAX_RECORDED_INPUT_CHARS)}… (truncated)`
    : text;
}
