import {
  AuthError,
  createClientSecret,
  universalAuthConfig,
  verifyClientSecretLogin,
  type AccessTokenGrant,
  type ClientSecretRecord,
} from '@burrow/auth-methods';
import { InvalidRequestError } from '../domain/errors.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { StoredUniversalAuth, UniversalAuthStore } from '../stores/universal-auth-store.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { IdentityDirectory } from './identity-directory.ts';

/**
 * Universal auth (reference §7): an admin attaches it to an identity and creates client secrets
 * (shown once, stored as digests); a login with client ID and secret gets an access token.
 *
 * @example
 *   const { grant, identityId } = universalAuth.login({ clientId, clientSecret }, request.ip);
 */
export class UniversalAuthService {
  readonly #directory: IdentityDirectory;
  readonly #store: UniversalAuthStore;
  readonly #accessTokens: AccessTokens;

  constructor(deps: {
    directory: IdentityDirectory;
    universalAuth: UniversalAuthStore;
    accessTokens: AccessTokens;
  }) {
    this.#directory = deps.directory;
    this.#store = deps.universalAuth;
    this.#accessTokens = deps.accessTokens;
  }

  attach(
    caller: Identity,
    identityId: string,
    input: Parameters<typeof universalAuthConfig>[0],
  ): StoredUniversalAuth {
    const identity = this.#directory.manageable(caller, identityId);
    const stored = this.#store.attach(identity.id, universalAuthConfig(input));
    if (!stored) {
      throw new InvalidRequestError('Universal auth is already configured for this identity');
    }
    return stored;
  }

  get(caller: Identity, identityId: string): StoredUniversalAuth {
    const identity = this.#directory.manageable(caller, identityId);
    return this.#configured(identity.id);
  }

  createClientSecret(
    caller: Identity,
    identityId: string,
    input: Omit<Parameters<typeof createClientSecret>[0], 'now'>,
  ): { identityId: string; clientSecret: string; record: ClientSecretRecord } {
    const identity = this.#directory.manageable(caller, identityId);
    this.#configured(identity.id);
    const { clientSecret, record } = createClientSecret({ now: Date.now(), ...input });
    this.#store.addSecret(identity.id, record);
    return { identityId: identity.id, clientSecret, record };
  }

  login(
    input: { clientId: string; clientSecret: string },
    clientIp: string,
  ): { identityId: string; grant: AccessTokenGrant } {
    const config = this.#store.getByClientId(input.clientId);
    if (!config) throw new AuthError('INVALID_CREDENTIALS', 'invalid client ID or client secret');
    const secret = verifyClientSecretLogin(config, this.#store.secrets(config.identityId), {
      clientSecret: input.clientSecret,
      clientIp,
      now: Date.now(),
    });
    if (!this.#store.countSecretUse(secret.id)) {
      throw new AuthError('INVALID_CREDENTIALS', 'invalid client ID or client secret');
    }
    const grant = this.#accessTokens.issue(config.identityId, 'universal-auth', config, {
      clientSecretId: secret.id,
    });
    return { identityId: config.identityId, grant };
  }

  #configured(identityId: string): StoredUniversalAuth {
    const stored = this.#store.getByIdentity(identityId);
    if (!stored)
      throw new InvalidRequestError('Universal auth is not configured for this identity');
    return stored;
  }
}
