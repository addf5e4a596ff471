import { CliError, EXIT_CODES } from './cli-error.ts';
import type { StoredCredentials } from './credentials-store.ts';

/**
 * The control-plane calls of `burrow`, with the stored access token as bearer. Every failure
 * becomes a one-line {@link CliError}:
 * - the platform cannot be reached → "cannot reach the control plane at <origin>: <reason>"
 * - 401 → "the control plane refused your login (...): run burrow login" (exit code 3)
 * - any other non-2xx → "<what> failed (<status>): <the platform's message>"
 *
 * @example
 *   const platform = new PlatformClient(credentials);
 *   const { sessions } = await platform.request<{ sessions: PamSession[] }>('GET', '/v1/pam/sessions');
 */
export class PlatformError extends CliError {
  readonly status: number;
  /** The platform's error `name` (reference §8.1: PAM_REASON_REQUIRED, ...), when it gave one. */
  readonly errorName: string | undefined;
  constructor(message: string, status: number, errorName: string | undefined) {
    super(message, status === 401 ? EXIT_CODES.notLoggedIn : EXIT_CODES.failure);
    this.name = 'PlatformError';
    this.status = status;
    this.errorName = errorName;
  }
}

/** HTTP deadline of one control-plane call. */
const REQUEST_TIMEOUT_MS = 30_000;

export class PlatformClient {
  readonly apiUrl: string;
  private readonly accessToken: string;

  constructor(credentials: Pick<StoredCredentials, 'apiUrl' | 'accessToken'>) {
    this.apiUrl = credentials.apiUrl;
    this.accessToken = credentials.accessToken;
  }

  /** `path` is relative to the API base and starts with `/v1` or `/v2`. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { timeoutMs?: number } = {},
  ): Promise<T> {
    const origin = new URL(this.apiUrl).origin;
    let response: Response;
    try {
      response = await fetch(`${this.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.accessToken}`,
          'user-agent': 'burrow-cli',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError(
        `cannot reach the control plane at ${origin}: ${describeFetchError(error)}`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const { message, name } = (parsed ?? {}) as { message?: unknown; name?: unknown };
      const reason = typeof message === 'string' && message ? message : response.statusText;
      const errorName = typeof name === 'string' ? name : undefined;
      if (response.status === 401) {
        throw new PlatformError(
          `the control plane refused your login (${reason}): run burrow login again`,
          401,
          errorName,
        );
      }
      throw new PlatformError(
        `${method} ${path.split('?')[0]} failed (${response.status}): ${reason}`,
        response.status,
        errorName,
      );
    }
    if (parsed === undefined && text) {
      throw new CliError(`the control plane answered ${path} with a body that is not JSON`);
    }
    return parsed as T;
  }
}

/** fetch's TypeError hides the reason in `cause` (ECONNREFUSED, ...). */
function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'no answer in time';
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return cause.code;
    if (cause?.message) return cause.message;
    return error.message;
  }
  return String(error);
}
