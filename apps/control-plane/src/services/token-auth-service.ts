import { tokenAuthConfig, type AccessTokenGrant } from '@burrow/auth-methods';
import { InvalidRequestError } from '../domain/errors.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { StoredTokenAuth, TokenAuthStore } from '../stores/token-auth-store.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { IdentityDirectory } from './identity-directory.ts';

/**
 * Token auth (Infisical's API): an admin attaches an access-token policy to an identity and
 * creates tokens under it, used directly as bearer tokens (INFISICAL_TOKEN).
 *
 * @example
 *   const grant = tokenAuth.createToken(caller, identityId, 'ci');
 */
export class TokenAuthService {
  readonly #directory: IdentityDirectory;
  readonly #store: TokenAuthStore;
  readonly #accessTokens: AccessTokens;

  constructor(deps: {
    directory: IdentityDirectory;
    tokenAuth: TokenAuthStore;
    accessTokens: AccessTokens;
  }) {
    this.#directory = deps.directory;
    this.#store = deps.tokenAuth;
    this.#accessTokens = deps.accessTokens;
  }

  attach(
    caller: Identity,
    identityId: string,
    input: Parameters<typeof tokenAuthConfig>[0],
  ): StoredTokenAuth {
    const identity = this.#directory.manageable(caller, identityId);
    const stored = this.#store.attach(identity.id, tokenAuthConfig(input));
    if (!stored)
      throw new InvalidRequestError('Token auth is already configured for this identity');
    return stored;
  }

  createToken(
    caller: Identity,
    identityId: string,
    name: string | undefined,
  ): { identityId: string; grant: AccessTokenGrant } {
    const identity = this.#directory.manageable(caller, identityId);
    const config = this.#store.getByIdentity(identity.id);
    if (!config) throw new InvalidRequestError('Token auth is not configured for this identity');
    const grant = this.#accessTokens.issue(identity.id, 'token-auth', config, { name });
    return { identityId: identity.id, grant };
  }
}
