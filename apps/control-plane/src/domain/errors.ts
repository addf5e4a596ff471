/**
 * What a service says when it refuses, in domain terms; the HTTP layer's one error handler
 * (app/error-handler.ts) turns each kind into its status and Infisical's error JSON
 * `{reqId, statusCode, error, message, ...details}`. Services never speak HTTP.
 *
 *   InvalidRequestError  400   the request cannot be carried out as asked
 *   UnauthorizedError    401   no valid credential
 *   ForbiddenError       403   the caller may not do this (the message says why)
 *   NotFoundError        404   no such thing (in the caller's organization)
 *   ConflictError        409   the state does not allow it (name taken, gap in a sequence, …)
 *   GoneError            410   it existed but is over (ended or expired session)
 *   TooManyAttemptsError 429   refused for a while after repeated failures (locked account)
 *
 * `details` are extra answer fields a client acts on (e.g. `acknowledgedEvents`). A `cause`
 * (what another host said, say) goes to the control plane's log, never to the caller.
 *
 * @example
 *   throw new NotFoundError(`Gateway ${id} not found`);
 *   throw new ConflictError('startOffset 9 is after the 3 events stored', { acknowledgedEvents: 3 });
 */
export type DomainErrorKind =
  | 'invalid-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'gone'
  | 'too-many-attempts';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  readonly details: Readonly<Record<string, unknown>>;

  /** `options.cause`: what went wrong underneath, for the log only (never answered). */
  constructor(
    message: string,
    details: Record<string, unknown> = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

export class InvalidRequestError extends DomainError {
  readonly kind = 'invalid-request';
}

export class UnauthorizedError extends DomainError {
  readonly kind = 'unauthorized';
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
}

export class NotFoundError extends DomainError {
  readonly kind = 'not-found';
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

export class GoneError extends DomainError {
  readonly kind = 'gone';
}

export class TooManyAttemptsError extends DomainError {
  readonly kind = 'too-many-attempts';
}
