import type { HttpMethod } from './define-route.ts';

/**
 * Why a control-plane call failed:
 * - `unreachable`: no answer (connection refused, reset, DNS, TLS); `status` is undefined
 * - `timeout`: no complete answer before the call's deadline
 * - `http`: a non-2xx answer; `status` and the server's `message` are set
 * - `invalid-response`: a 2xx answer that is not JSON or does not match the route's schema
 */
export type PlatformErrorKind = 'unreachable' | 'timeout' | 'http' | 'invalid-response';

export interface PlatformErrorInit {
  kind: PlatformErrorKind;
  method: HttpMethod;
  /** The route's path template, e.g. `/api/v2/gateways/:id` (no ids, no query). */
  path: string;
  status?: number | undefined;
  /** The server's reason: `message` of its JSON error body, or its text. */
  serverMessage?: string | undefined;
  /** The JSON error body as the server sent it (e.g. `acknowledgedEvents` of a 409). */
  body?: unknown;
  cause?: unknown;
}

/**
 * The one error of a control-plane call. Its message names the method and route, the status and
 * the server's reason, e.g. `POST /api/v1/relays/register-org-relay answered 403: Only admins…`;
 * it never holds the bearer token or the request body.
 */
export class PlatformError extends Error {
  readonly kind: PlatformErrorKind;
  readonly method: HttpMethod;
  readonly path: string;
  /** HTTP status, or undefined when the control plane gave no answer. */
  readonly status: number | undefined;
  readonly serverMessage: string | undefined;
  /** The error answer's JSON body, when it had one. */
  readonly body: unknown;

  constructor(message: string, init: PlatformErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'PlatformError';
    this.kind = init.kind;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.serverMessage = init.serverMessage;
    this.body = init.body;
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

  /** The platform's error `name` (reference §8.1: PAM_REASON_REQUIRED, ...), when it gave one. */
  get errorName(): string | undefined {
    const name = (this.body as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' ? name : undefined;
  }
}
