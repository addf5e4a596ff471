/**
 * One authenticated JSON request from the gateway to the control plane (register, heartbeat).
 *
 * Every call carries `Authorization: Bearer <machine identity access token>` and has a deadline;
 * a non-2xx answer becomes a {@link PlatformError} with the HTTP status and the server's `message`
 * (never the request body, which may hold nothing secret today but would be easy to leak later).
 */

/** A control plane that does not answer within this is treated as down; the caller retries. */
export const PLATFORM_REQUEST_TIMEOUT_MS = 30_000;

/** The longest server message quoted in a log line or error. */
const MAX_QUOTED_MESSAGE_CHARS = 300;

export class PlatformError extends Error {
  /** HTTP status, or undefined when the control plane could not be reached. */
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PlatformError';
    this.status = status;
  }

  /** A 4xx other than 408/429: asking again with the same input will not help. */
  get isClientError(): boolean {
    return (
      this.status !== undefined &&
      this.status >= 400 &&
      this.status < 500 &&
      this.status !== 408 &&
      this.status !== 429
    );
  }
}

export interface PlatformRequest {
  /** API base URL ending in /api, e.g. http://127.0.0.1:8080/api. */
  apiUrl: string;
  /** Path below the API base, e.g. /v2/gateways. */
  path: string;
  accessToken: string;
  body: unknown;
  signal?: AbortSignal | undefined;
  timeoutMs?: number;
}

/**
 * POSTs `body` as JSON and returns the parsed JSON answer.
 *
 * @example
 *   const answer = await postPlatformJson({ apiUrl, path: '/v2/gateways/heartbeat', accessToken, body: {} });
 */
export async function postPlatformJson(request: PlatformRequest): Promise<unknown> {
  const url = `${request.apiUrl}${request.path}`;
  const timeout = AbortSignal.timeout(request.timeoutMs ?? PLATFORM_REQUEST_TIMEOUT_MS);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${request.accessToken}`,
        'content-type': 'application/json',
        'user-agent': 'burrow-gateway',
      },
      body: JSON.stringify(request.body),
      signal,
    });
  } catch (error) {
    throw new PlatformError(
      `cannot reach the control plane at ${new URL(url).origin}: ${describe(error)}`,
      undefined,
      { cause: error },
    );
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // handled below: a 2xx must be JSON; for an error status the text is quoted instead
  }
  if (!response.ok) {
    const message =
      typeof (parsed as { message?: unknown } | undefined)?.message === 'string'
        ? (parsed as { message: string }).message
        : text;
    throw new PlatformError(
      `POST ${request.path} answered ${response.status}: ${quote(message)}`,
      response.status,
    );
  }
  if (parsed === undefined && text !== '') {
    throw new PlatformError(
      `POST ${request.path} answered ${response.status} with a body that is not JSON`,
      response.status,
    );
  }
  return parsed;
}

function quote(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '(no message)';
  return oneLine.length > MAX_QUOTED_MESSAGE_CHARS
    ? `${oneLine.slice(0, MAX_QUOTED_MESSAGE_CHARS)}…`
    : oneLine;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'request timed out';
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

export interface PlatformCall {
  method: 'GET' | 'POST';
  /** API base URL ending in /api. */
  apiUrl: string;
  /** Path below the API base, with any query string, e.g. /v1/pam/sessions/<id>/end. */
  path: string;
  accessToken: string;
  /** Sent as JSON when given. */
  body?: unknown;
  /** 'json' parses the answer; 'bytes' returns it raw (e.g. the PAM session key). */
  responseType: 'json' | 'bytes';
  signal?: AbortSignal | undefined;
  timeoutMs?: number;
}

/**
 * One authenticated request of any method; like {@link postPlatformJson}, a non-2xx answer
 * becomes a PlatformError carrying the status and the server's message (never the body sent).
 *
 * @example
 *   const key = await callPlatform({ method: 'GET', apiUrl, path: '/v2/gateways/pam-session-key',
 *     accessToken, responseType: 'bytes' });
 */
export async function callPlatform(call: PlatformCall & { responseType: 'bytes' }): Promise<Buffer>;
export async function callPlatform(call: PlatformCall & { responseType: 'json' }): Promise<unknown>;
export async function callPlatform(call: PlatformCall): Promise<unknown> {
  const url = `${call.apiUrl}${call.path}`;
  const route = `${call.method} ${call.path.split('?')[0]}`;
  const timeout = AbortSignal.timeout(call.timeoutMs ?? PLATFORM_REQUEST_TIMEOUT_MS);
  const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, {
      method: call.method,
      headers: {
        authorization: `Bearer ${call.accessToken}`,
        ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
        'user-agent': 'burrow-gateway',
      },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      signal,
    });
  } catch (error) {
    throw new PlatformError(
      `cannot reach the control plane at ${new URL(url).origin}: ${describe(error)}`,
      undefined,
      { cause: error },
    );
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  if (!response.ok) {
    const text = bytes.toString('utf8');
    let message = text;
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not JSON: quote the text
    }
    throw new PlatformError(
      `${route} answered ${response.status}: ${quote(message)}`,
      response.status,
    );
  }
  if (call.responseType === 'bytes') return bytes;
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new PlatformError(
      `${route} answered ${response.status} with a body that is not JSON`,
      response.status,
    );
  }
}
