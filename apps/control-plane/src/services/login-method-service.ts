import {
  AuthError,
  type AccessTokenGrant,
  type AccessTokenPolicy,
  type VerifiedLogin,
} from '@burrow/auth-methods';
import { InvalidRequestError } from '../domain/errors.ts';
import type { Identity } from '../stores/identity-store.ts';
import type {
  IdentityLoginMethod,
  LoginMethodStore,
  StoredLoginMethod,
} from '../stores/login-method-store.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { IdentityDirectory } from './identity-directory.ts';

/**
 * The identity-based login methods (kubernetes, aws, gcp, azure, oidc, jwt): an admin attaches or
 * reads a method's configuration; a login verifies the method's credential against it and gets
 * an access token. What a configuration holds and how a credential is verified is each method's
 * (`LoginMethodSpec` in plugins/login-method-routes.ts, verifiers in @burrow/auth-methods).
 *
 * @example
 *   const { grant, verified } = await logins.login(identityId, 'oidc-auth', 'OIDC auth', verify);
 */
export interface LoginMethodRef {
  method: IdentityLoginMethod;
  /** How messages name it, e.g. 'Kubernetes auth'. */
  title: string;
}

export class LoginMethodService {
  readonly #directory: IdentityDirectory;
  readonly #store: LoginMethodStore;
  readonly #accessTokens: AccessTokens;

  constructor(deps: {
    directory: IdentityDirectory;
    loginMethods: LoginMethodStore;
    accessTokens: AccessTokens;
  }) {
    this.#directory = deps.directory;
    this.#store = deps.loginMethods;
    this.#accessTokens = deps.accessTokens;
  }

  attach<Config extends AccessTokenPolicy>(
    caller: Identity,
    identityId: string,
    ref: LoginMethodRef,
    toConfig: (identityId: string) => Config,
  ): StoredLoginMethod<Config> {
    const identity = this.#directory.manageable(caller, identityId);
    const stored = this.#store.attach(identity.id, ref.method, toConfig(identity.id));
    if (!stored)
      throw new InvalidRequestError(`${ref.title} is already configured for this identity`);
    return stored;
  }

  get<Config>(
    caller: Identity,
    identityId: string,
    ref: LoginMethodRef,
  ): StoredLoginMethod<Config> {
    const identity = this.#directory.manageable(caller, identityId);
    const stored = this.#store.get<Config>(identity.id, ref.method);
    if (!stored) throw new InvalidRequestError(`${ref.title} is not configured for this identity`);
    return stored;
  }

  /** Verifies the credential with `verify` against the identity's configuration; a refusal is a 401 AuthError. */
  async login<Config extends AccessTokenPolicy>(
    identityId: string,
    ref: LoginMethodRef,
    verify: (config: Config) => Promise<VerifiedLogin>,
  ): Promise<{ grant: AccessTokenGrant; verified: VerifiedLogin }> {
    const stored = this.#store.get<Config>(identityId, ref.method);
    if (!stored || !this.#directory.exists(identityId)) {
      throw new AuthError(
        'INVALID_CREDENTIALS',
        `${ref.title} is not configured for identity ${identityId}`,
      );
    }
    const verified = await verify(stored.config);
    const grant = this.#accessTokens.issue(identityId, ref.method, stored.config);
    return { grant, verified };
  }
}
