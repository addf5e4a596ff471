import { STATUS_CODES } from 'node:http';
import {
  PlatformClient,
  PlatformError,
  type CallArgs,
  type RouteResponse,
  type RouteSpec,
} from '@burrow/platform-api';
import { resolveCustomHeaders } from '@burrow/auth-methods';
import { ConfigError } from '@burrow/observability';
import { CliError, EXIT_CODES } from './cli-error.ts';
import type { StoredCredentials } from './credentials-store.ts';

/**
 * The control plane as `burrow` calls it: {@link PlatformClient} (routes and answers checked
 * against @burrow/platform-api) with the stored access token as bearer, user-agent `burrow-cli`,
 * no retries (a person is waiting and runs the command again), INFISICAL_CUSTOM_HEADERS on every
 * request ({@link customHeadersOf}). Every failure becomes a one-line
 * {@link ControlPlaneError}:
 * - the platform cannot be reached → "cannot reach the control plane at <origin>: <reason>"
 * - 401 → "the control plane refused your login (<reason>): run burrow login again" (exit code 3)
 * - any other non-2xx → "<METHOD> <path> failed (<status>): <the platform's message>"
 * - a 2xx that is not JSON or not the route's answer → "the control plane answered <path> with …"
 *
 * @example
 *   const platform = new ControlPlane(requireLogin(configDir));
 *   const { sessions } = await platform.call(routes.listPamSessions);
 */
export class ControlPlane {
  readonly apiUrl: string;
  private readonly client: PlatformClient;

  constructor(
    credentials: Pick<StoredCredentials, 'apiUrl' | 'accessToken'>,
    headers: Readonly<Record<string, string>> = {},
  ) {
    this.apiUrl = credentials.apiUrl;
    this.client = new PlatformClient({
      apiUrl: credentials.apiUrl,
      headers,
      token: () => credentials.accessToken,
      userAgent: 'burrow-cli',
      retries: 0,
    });
  }

  async call<R extends RouteSpec>(route: R, ...input: CallArgs<R>): Promise<RouteResponse<R>> {
    try {
      return await this.client.call(route, ...input);
    } catch (error) {
      if (error instanceof PlatformError) throw controlPlaneErrorOf(error, this.client.origin);
      throw error;
    }
  }
}

/**
 * INFISICAL_CUSTOM_HEADERS of `env`; a malformed value is a usage error naming the variable and
 * the entry, never a value.
 */
export function customHeadersOf(env: NodeJS.ProcessEnv): Record<string, string> {
  try {
    return resolveCustomHeaders(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT_CODES.usage);
    throw error;
  }
}

/** A failed control-plane call, as the person reads it; `status` and `errorName` for callers. */
export class ControlPlaneError extends CliError {
  /** HTTP status, or undefined when the control plane gave no (usable) answer. */
  readonly status: number | undefined;
  /** The platform's error `name` (reference §8.1: PAM_REASON_REQUIRED, ...), when it gave one. */
  readonly errorName: string | undefined;
  /** The platform's own words (its `message`, else the status text). */
  readonly reason: string;

  constructor(
    message: string,
    init: { status?: number | undefined; errorName?: string | undefined; reason?: string },
    options?: ErrorOptions,
  ) {
    super(message, init.status === 401 ? EXIT_CODES.notLoggedIn : EXIT_CODES.failure, options);
    this.name = 'ControlPlaneError';
    this.status = init.status;
    this.errorName = init.errorName;
    this.reason = init.reason ?? message;
  }
}

function controlPlaneErrorOf(error: PlatformError, origin: string): ControlPlaneError {
  const options = { cause: error };
  if (error.kind === 'unreachable' || error.kind === 'timeout') {
    const why = error.kind === 'timeout' ? 'no answer in time' : networkReason(error.cause);
    return new ControlPlaneError(
      `cannot reach the control plane at ${origin}: ${why}`,
      {},
      options,
    );
  }
  if (error.kind === 'invalid-response') {
    const what = error.message.replace(/^.*? answered \d+ with /, '');
    return new ControlPlaneError(
      `the control plane answered ${error.path} with ${what}`,
      { status: error.status },
      options,
    );
  }
  const status = error.status ?? 0;
  const message = (error.body as { message?: unknown } | undefined)?.message;
  const reason =
    typeof message === 'string' && message !== '' ? message : (STATUS_CODES[status] ?? '');
  const init = { status, errorName: error.errorName, reason };
  if (status === 401) {
    return new ControlPlaneError(
      `the control plane refused your login (${reason}): run burrow login again`,
      init,
      options,
    );
  }
  return new ControlPlaneError(
    `${error.method} ${error.path} failed (${status}): ${reason}`,
    init,
    options,
  );
}

/** The short reason of a failed connection: its code (ECONNREFUSED, ENOTFOUND, ...). */
function networkReason(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof inner?.code === 'string') return inner.code;
  if (typeof inner?.message === 'string') return inner.message;
  return cause.message;
}
