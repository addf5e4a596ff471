/**
 * The one error the server-side verifiers throw. `code` says why a credential was refused;
 * `httpStatus` is the status the control plane answers with: 401 for a bad or spent credential
 * and for every refused login (including a login from outside the trusted IP ranges), 403 for a
 * good access token used from an address it is not allowed from, 502 when the identity provider
 * that must vouch for a credential cannot be reached.
 *
 * Messages never contain the credential itself.
 *
 * @example
 *   try { verifyAccessTokenUse(record, { now, clientIp }) }
 *   catch (e) { if (e instanceof AuthError) reply.code(e.httpStatus).send({ message: e.message }) }
 */
export type AuthErrorCode =
  | 'INVALID_CREDENTIALS' // unknown client ID / secret / token
  | 'REVOKED' // the secret or token was revoked
  | 'EXPIRED' // past its TTL
  | 'MAX_TTL_EXCEEDED' // past its max TTL (renewal impossible; log in again)
  | 'USES_EXHAUSTED' // its use limit is reached
  | 'IP_NOT_TRUSTED' // an access token used from an address outside the trusted CIDRs
  | 'LOGIN_IP_NOT_TRUSTED' // a login from an address outside the trusted CIDRs
  | 'NOT_BOUND' // a valid credential whose audience/claim/subject/principal the identity does not allow
  | 'PROVIDER_UNAVAILABLE' // the JWKS / TokenReview / STS endpoint could not be asked
  | 'INVALID_ARGUMENT'; // a configuration value is impossible (e.g. TTL > max TTL)

const HTTP_STATUS: Record<AuthErrorCode, number> = {
  INVALID_CREDENTIALS: 401,
  REVOKED: 401,
  EXPIRED: 401,
  MAX_TTL_EXCEEDED: 401,
  USES_EXHAUSTED: 401,
  IP_NOT_TRUSTED: 403,
  LOGIN_IP_NOT_TRUSTED: 401,
  NOT_BOUND: 401,
  PROVIDER_UNAVAILABLE: 502,
  INVALID_ARGUMENT: 400,
};

export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly httpStatus: number;
  /**
   * What another host said (an identity provider's error code or status), for the server's log
   * only: never answered to the caller, who could otherwise use the verifier to read answers of
   * hosts it cannot reach itself.
   */
  readonly detail: string | undefined;

  constructor(code: AuthErrorCode, message: string, options: { detail?: string } = {}) {
    super(message);
    this.name = 'AuthError';
    this.code = code;
    this.httpStatus = HTTP_STATUS[code];
    this.detail = options.detail;
  }
}
