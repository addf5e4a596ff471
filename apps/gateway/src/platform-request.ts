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
