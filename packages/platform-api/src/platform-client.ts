import { setTimeout as sleep } from 'node:timers/promises';
import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { request, type Dispatcher } from 'undici';
import {
  successSchema,
  type HttpMethod,
  type RouteArgs,
  type RouteInput,
  type RouteResponse,
  type RouteSpec,
} from './define-route.ts';
import { PlatformError, type PlatformErrorKind } from './platform-error.ts';
import { fillPath, queryString } from './route-url.ts';

/**
 * The one HTTP client of the control plane: every process calls the platform through this.
 *
 * Contract:
 * - `apiUrl` is the API base (`https://cp.example.com/api`; a URL without `/api` works too);
 *   route paths are the server's full paths, so `/api/v2/gateways` is `<apiUrl>/v2/gateways`.
 * - Routes with `auth` other than `none` carry `Authorization: Bearer <token()>`; the supplier is
 *   asked before every attempt, so a renewed machine-identity token is used as soon as it exists.
 * - `headers` (INFISICAL_CUSTOM_HEADERS, see custom-headers.ts) go on every request, login
 *   included; a call's own headers replace them, and neither replaces the bearer token, `accept`,
 *   `content-type` or `user-agent`. Like the token, they are never logged or quoted in errors.
 * - Every call has a deadline (`timeoutMs`, default 30 s) covering all of its attempts.
 * - Idempotent methods (GET, HEAD, PUT, DELETE) are retried on no answer or a 5xx, at most
 *   `retries` times (default 2) after 250 ms, 500 ms, ... (at most 2 s); POST never is.
 * - A non-2xx answer, no answer, or a 2xx answer that does not match the route's response schema
 *   is one {@link PlatformError} (status, the server's `message`, method and path; never the
 *   token or the body sent).
 *
 * @example
 *   const platform = new PlatformClient({ apiUrl, token: () => session.accessToken });
 *   const { relayId } = await platform.call(routes.registerOrgRelay, { body: { host, name } });
 */
export type TokenSupplier = () => string | undefined | Promise<string | undefined>;

export interface PlatformClientOptions {
  apiUrl: string;
  /** The bearer credential for authenticated routes, read before every attempt. */
  token?: TokenSupplier;
  /** Default `cli`, what the reference's CLI sends (reference §3.2). */
  userAgent?: string;
  /**
   * This program's version, sent as {@link AGENT_VERSION_HEADER} on every request (the console
   * shows it). A separate header, so the user-agent stays the reference's `cli`.
   */
  agentVersion?: string;
  /** Sent on every request: INFISICAL_CUSTOM_HEADERS, as parseCustomHeaders reads them. */
  headers?: Readonly<Record<string, string>>;
  /** Deadline of one call, retries included. */
  timeoutMs?: number;
  /** Extra attempts of an idempotent call after no answer or a 5xx. */
  retries?: number;
  /** First retry delay; doubles per retry, capped at {@link MAX_RETRY_DELAY_MS}. */
  retryDelayMs?: number;
  /** An undici dispatcher (connection pool, TLS options); default undici's global one. */
  dispatcher?: Dispatcher;
}

/**
 * Burrow extension: `<program>/<version>` of the calling relay or gateway (e.g.
 * `burrow-gateway/0.1.0`). The reference sends no such header; a control plane that does not know
 * it ignores it, and Burrow's shows "unknown" for a peer that does not send it.
 */
export const AGENT_VERSION_HEADER = 'x-burrow-agent-version';

/** A control plane that does not answer within this is treated as down; callers retry later. */
export const PLATFORM_REQUEST_TIMEOUT_MS = 30_000;
/** Idempotent calls try again this many times: enough for a restart blip, short enough to fail. */
export const PLATFORM_REQUEST_RETRIES = 2;
export const FIRST_RETRY_DELAY_MS = 250;
/** Retries stay quick; longer outages are the caller's loop's business. */
export const MAX_RETRY_DELAY_MS = 2_000;
/** The longest server message quoted in an error. */
const MAX_QUOTED_MESSAGE_CHARS = 300;

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

export interface CallOptions {
  signal?: AbortSignal;
  /** This call's deadline instead of the client's. */
  timeoutMs?: number;
  /**
   * Extra request headers a route needs besides the bearer token (e.g. the chunk upload's
   * x-gateway-upload-token). Never logged or quoted in errors.
   */
  headers?: Record<string, string>;
}

/** What one call of route R takes, typed from its schemas. */
export type CallInput<R extends RouteSpec> = RouteInput<R> & CallOptions;

/** The arguments of `call(route, …)`: the input is optional only when the route needs none. */
export type CallArgs<R extends RouteSpec> = RouteArgs<R, CallOptions>;

interface Answer {
  status: number;
  bytes: Buffer;
  contentType: string;
}

export class PlatformClient {
  readonly apiUrl: string;
  private readonly root: string;
  private readonly options: PlatformClientOptions;
  private readonly validators = new WeakMap<TSchema, Validator>();

  constructor(options: PlatformClientOptions) {
    const base = options.apiUrl.replace(/\/+$/, '');
    this.apiUrl = base;
    this.root = base.endsWith('/api') ? base.slice(0, -'/api'.length) : base;
    this.options = options;
    new URL(this.root); // a bad URL fails here, not on the first call
  }

  /** The origin the client talks to, e.g. `https://cp.example.com`. */
  get origin(): string {
    return new URL(this.root).origin;
  }

  /**
   * Calls `route` and returns its answer, checked against the route's response schema (a Buffer
   * for byte routes).
   */
  async call<R extends RouteSpec>(route: R, ...[input]: CallArgs<R>): Promise<RouteResponse<R>> {
    const given = (input ?? {}) as {
      params?: Record<string, unknown>;
      query?: Record<string, unknown>;
      body?: unknown;
    } & CallOptions;
    const requestPath = fillPath(route.path, given.params);
    const shownPath = this.relativeToApi(requestPath);
    const url = `${this.root}${requestPath}${queryString(given.query)}`;
    const timeoutMs = given.timeoutMs ?? this.options.timeoutMs ?? PLATFORM_REQUEST_TIMEOUT_MS;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = given.signal ? AbortSignal.any([given.signal, deadline]) : deadline;
    const body = route.body ? JSON.stringify(given.body ?? {}) : undefined;
    const fail = (kind: PlatformErrorKind, message: string, extra: object = {}) =>
      new PlatformError(message, { kind, method: route.method, path: shownPath, ...extra });

    const retries = IDEMPOTENT.has(route.method)
      ? (this.options.retries ?? PLATFORM_REQUEST_RETRIES)
      : 0;
    let answer: Answer | undefined;
    for (let attempt = 0; ; attempt++) {
      let failure: PlatformError | undefined;
      // The supplier's own failure (e.g. "not logged in") is the caller's, not the network's.
      const token =
        route.auth !== 'none' && this.options.token ? await this.options.token() : undefined;
      try {
        answer = await this.send(route, url, body, token, signal, given.headers);
      } catch (error) {
        if (deadline.aborted) {
          throw fail(
            'timeout',
            `${route.method} ${shownPath}: the control plane did not answer within ${timeoutMs} ms`,
            { cause: error },
          );
        }
        if (signal.aborted) throw signal.reason;
        failure = fail(
          'unreachable',
          `${route.method} ${shownPath}: cannot reach the control plane at ${this.origin}: ${describe(error)}`,
          { cause: error },
        );
      }
      const retryable = failure !== undefined || (answer !== undefined && answer.status >= 500);
      if (!retryable || attempt >= retries) {
        if (failure) throw failure;
        break;
      }
      const delay = Math.min(
        MAX_RETRY_DELAY_MS,
        (this.options.retryDelayMs ?? FIRST_RETRY_DELAY_MS) * 2 ** attempt,
      );
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        if (failure) throw failure;
        break; // the deadline is here: report the 5xx we have
      }
    }
    const { status, bytes, contentType } = answer as Answer;

    if (status < 200 || status >= 300) {
      const text = bytes.toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const message = (parsed as { message?: unknown } | undefined)?.message;
      const serverMessage = typeof message === 'string' ? message : text;
      throw fail(
        'http',
        `${route.method} ${shownPath} answered ${status}: ${quote(serverMessage)}`,
        {
          status,
          serverMessage,
          body: parsed,
        },
      );
    }

    if (route.responseType === 'bytes') return bytes as RouteResponse<R>;
    const schema = (route.response as Record<number, TSchema>)[status] ?? successSchema(route);
    if (bytes.length === 0 && schema === undefined) return undefined as RouteResponse<R>;
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw fail(
        'invalid-response',
        `${route.method} ${shownPath} answered ${status} with a body that is not JSON (${contentType || 'no content type'})`,
        { status },
      );
    }
    if (schema !== undefined) {
      const validator = this.validator(schema);
      if (!validator.Check(parsed)) {
        const first = validator.Errors(parsed)[0];
        const where = first ? `${first.instancePath || '/'} ${first.message}` : 'mismatch';
        throw fail(
          'invalid-response',
          `${route.method} ${shownPath} answered ${status} with a body that does not match its schema: ${where}`,
          { status },
        );
      }
    }
    return parsed as RouteResponse<R>;
  }

  private async send(
    route: RouteSpec,
    url: string,
    body: string | undefined,
    token: string | undefined,
    signal: AbortSignal,
    extraHeaders: Record<string, string> = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {
      // Only the token supplier sets the bearer credential.
      ...Object.fromEntries(
        Object.entries({ ...lowerCased(this.options.headers), ...lowerCased(extraHeaders) }).filter(
          ([name]) => name !== 'authorization',
        ),
      ),
      accept: route.responseType === 'bytes' ? 'application/octet-stream' : 'application/json',
      'user-agent': this.options.userAgent ?? 'cli',
      ...(this.options.agentVersion ? { [AGENT_VERSION_HEADER]: this.options.agentVersion } : {}),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await request(url, {
      method: route.method,
      headers,
      body,
      signal,
      ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
    });
    const bytes = Buffer.from(await response.body.arrayBuffer());
    const contentType = response.headers['content-type'];
    return {
      status: response.statusCode,
      bytes,
      contentType: Array.isArray(contentType) ? (contentType[0] ?? '') : (contentType ?? ''),
    };
  }

  private validator(schema: TSchema): Validator {
    let validator = this.validators.get(schema);
    if (!validator) {
      validator = Compile(schema);
      this.validators.set(schema, validator);
    }
    return validator;
  }

  /** `/api/v2/gateways` → `/v2/gateways` when the API base ends in /api (how users name it). */
  private relativeToApi(path: string): string {
    return this.apiUrl.endsWith('/api') && path.startsWith('/api/') ? path.slice(4) : path;
  }
}

/** The same headers with lower-case names, so that one given twice in two spellings is sent once. */
function lowerCased(headers: Readonly<Record<string, string>> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

function quote(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '(no message)';
  return oneLine.length > MAX_QUOTED_MESSAGE_CHARS
    ? `${oneLine.slice(0, MAX_QUOTED_MESSAGE_CHARS)}…`
    : oneLine;
}

/** The reason of a failed request: undici's code/message (ECONNREFUSED, ...). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  const causeMessage = cause instanceof Error ? cause.message : undefined;
  const message = error.message || causeMessage || error.name;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
