/**
 * The relay's HTTP client for the control plane: JSON POSTs with a bearer credential that is read
 * fresh for every request (the machine identity session renews its token in the background).
 * Errors carry the HTTP status and the server's message, never the credential.
 */

/** Every API request gives up after this long, so a hung control plane cannot stall startup. */
export const CONTROL_PLANE_REQUEST_TIMEOUT_MS = 30_000;

export interface ControlPlaneClientOptions {
  /** API base URL ending in /api, e.g. `https://cp.example.com/api`. */
  apiUrl: string;
  /** Returns the bearer credential for the next request. */
  bearer: () => string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class ControlPlaneError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number, cause?: unknown) {
    super(message, { cause });
    this.name = 'ControlPlaneError';
    this.status = status;
  }
}

export interface ControlPlaneClient {
  /** POSTs `body` as JSON to `path` (relative to the API URL) and returns the parsed JSON reply. */
  post(path: string, body: unknown): Promise<unknown>;
}

export function createControlPlaneClient(options: ControlPlaneClientOptions): ControlPlaneClient {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? CONTROL_PLANE_REQUEST_TIMEOUT_MS;
  const base = options.apiUrl.replace(/\/+$/, '');
  return {
    async post(path, body) {
      const url = `${base}${path}`;
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'user-agent': 'cli', // the reference's CLI sends this (§3.2)
            authorization: `Bearer ${options.bearer()}`,
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new ControlPlaneError(
          `POST ${url} failed: ${describeFetchError(error)}`,
          undefined,
          error,
        );
      }
      const text = await response.text();
      if (!response.ok) {
        throw new ControlPlaneError(
          `POST ${url} answered ${response.status}: ${serverMessage(text)}`,
          response.status,
        );
      }
      try {
        return text === '' ? undefined : (JSON.parse(text) as unknown);
      } catch {
        throw new ControlPlaneError(
          `POST ${url} answered ${response.status} with non-JSON`,
          response.status,
        );
      }
    },
  };
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** The `message` of a JSON error body, else the first 200 characters of the text. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON; fall through
  }
  return text.slice(0, 200) || '(empty body)';
}
