import {
  AuthError,
  digestSecret,
  issueAccessToken,
  renewAccessToken,
  verifyAccessTokenUse,
  type AccessTokenGrant,
  type AccessTokenPolicy,
} from '@burrow/auth-methods';
import { UnauthorizedError } from '../domain/errors.ts';
import type {
  AccessTokenStore,
  AuthMethod,
  StoredAccessToken,
} from '../stores/access-token-store.ts';
import type { Identity, IdentityStore } from '../stores/identity-store.ts';

/**
 * Issues, checks, renews and revokes machine-identity access tokens (the decisions are the
 * verifiers' in @burrow/auth-methods; this class connects them to the store and HTTP).
 *
 * @example
 *   const grant = tokens.issue(identity.id, 'token-auth', policy, { name: 'ci' });
 *   const { identity } = tokens.authenticate(request.headers.authorization, request.ip);
 */
export interface AuthenticatedIdentity {
  identity: Identity;
  tokenId: string;
  /** The signed-in user the token was issued to (user-password tokens), else null. */
  userId: string | null;
}

export class AccessTokens {
  readonly #store: AccessTokenStore;
  readonly #identities: IdentityStore;
  readonly #now: () => number;

  constructor(options: { store: AccessTokenStore; identities: IdentityStore; now?: () => number }) {
    this.#store = options.store;
    this.#identities = options.identities;
    this.#now = options.now ?? Date.now;
  }

  issue(
    identityId: string,
    authMethod: AuthMethod,
    policy: AccessTokenPolicy,
    options: {
      name?: string | undefined;
      clientSecretId?: string | undefined;
      userId?: string | undefined;
    } = {},
  ): AccessTokenGrant {
    const { record, grant } = issueAccessToken(policy, { now: this.#now() });
    this.#store.insert({ identityId, authMethod, record, ...options });
    return grant;
  }

  /** Authenticates an `Authorization: Bearer <token>` header and counts the use. */
  authenticate(authorization: string | undefined, clientIp: string): AuthenticatedIdentity {
    return this.authenticateToken(bearerToken(authorization), clientIp);
  }

  /** Authenticates a token (a bearer's, or a console session cookie's) and counts the use. */
  authenticateToken(token: string, clientIp: string): AuthenticatedIdentity {
    const stored = this.#find(token);
    const now = this.#now();
    verifyAccessTokenUse(stored, { now, clientIp });
    if (!this.#store.countUse(stored.id, now)) {
      throw new AuthError('USES_EXHAUSTED', 'access token has reached its use limit');
    }
    const identity = this.#identities.get(stored.identityId);
    if (!identity) throw new AuthError('INVALID_CREDENTIALS', 'access token is not valid');
    return { identity, tokenId: stored.id, userId: stored.userId };
  }

  /** Renews a token from `clientIp`: refused like a use would be (trusted IPs, use limit). */
  renew(token: string, clientIp: string): AccessTokenGrant {
    const stored = this.#find(token);
    const { lastRenewedAt, grant } = renewAccessToken(token, stored, {
      now: this.#now(),
      clientIp,
    });
    this.#store.setRenewed(stored.id, lastRenewedAt);
    return grant;
  }

  /** Revokes the token; answers its ID (sessions it opened are ended by revocation.ts). */
  revoke(token: string): string {
    const { id } = this.#find(token);
    this.#store.revoke(id);
    return id;
  }

  #find(token: string): StoredAccessToken {
    const stored = this.#store.findByDigest(digestSecret(token));
    if (!stored) throw new AuthError('INVALID_CREDENTIALS', 'access token is not valid');
    return stored;
  }
}

export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) {
    throw new UnauthorizedError(
      'Missing or malformed Authorization header; expected "Bearer <token>"',
    );
  }
  return match[1];
}
