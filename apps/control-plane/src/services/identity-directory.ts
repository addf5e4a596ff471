import { InvalidRequestError, NotFoundError } from '../domain/errors.ts';
import { authorize, can, requireOrg, type Action } from '../domain/permissions.ts';
import type { Identity, IdentityRole, IdentityStore } from '../stores/identity-store.ts';
import type { TokenAuthStore } from '../stores/token-auth-store.ts';
import type { UniversalAuthStore } from '../stores/universal-auth-store.ts';

/**
 * Machine identities as admins manage them: create one in the caller's organization, find one the
 * caller may manage (same organization, caller is admin), and the login methods it has.
 *
 * @example
 *   const identity = directory.manageable(caller, request.params.identityId);
 */
export class IdentityDirectory {
  readonly #identities: IdentityStore;
  readonly #universalAuth: UniversalAuthStore;
  readonly #tokenAuth: TokenAuthStore;

  constructor(deps: {
    identities: IdentityStore;
    universalAuth: UniversalAuthStore;
    tokenAuth: TokenAuthStore;
  }) {
    this.#identities = deps.identities;
    this.#universalAuth = deps.universalAuth;
    this.#tokenAuth = deps.tokenAuth;
  }

  create(
    caller: Identity,
    input: { name: string; organizationId: string; role?: IdentityRole | undefined },
  ): Identity {
    requireOrg(caller, input.organizationId);
    authorize(caller, 'identities.manage');
    return this.#identities.create({
      orgId: input.organizationId,
      name: input.name,
      role: input.role ?? 'member',
    });
  }

  /** The identity `identityId`, which must be in the caller's organization; the caller must be admin. */
  manageable(caller: Identity, identityId: string): Identity {
    const target = this.#identities.get(identityId);
    if (!target || target.orgId !== caller.orgId) {
      throw new NotFoundError(`Identity ${identityId} not found`);
    }
    requireOrg(caller, target.orgId);
    authorize(caller, 'identities.manage');
    return target;
  }

  /** The organization's identities (admin of that organization). */
  list(caller: Identity, organizationId: string): Identity[] {
    requireOrg(caller, organizationId);
    authorize(caller, 'identities.manage');
    return this.#identities.listByOrg(organizationId);
  }

  /** Gives a manageable identity another role. */
  setRole(caller: Identity, identityId: string, role: IdentityRole): Identity {
    const target = this.manageable(caller, identityId);
    return this.#identities.setRole(target.id, role) as Identity;
  }

  /** The identity `identityId` if it is in the caller's organization. */
  inOrganization(caller: Identity, identityId: string): Identity {
    const target = this.#identities.get(identityId);
    if (!target || target.orgId !== caller.orgId) {
      throw new NotFoundError(`Identity ${identityId} not found`);
    }
    return target;
  }

  /**
   * The grantee of a new grant: `identityId` in the caller's organization, whose role has
   * `permission` — a grant on top of a role without it would change nothing, so it is refused
   * (`doing` says what the role cannot do).
   */
  grantee(caller: Identity, identityId: string, permission: Action, doing: string): Identity {
    const grantee = this.inOrganization(caller, identityId);
    if (!can(grantee, permission)) {
      throw new InvalidRequestError(
        `An identity with the ${grantee.role} role cannot ${doing}; a grant would not change that`,
      );
    }
    return grantee;
  }

  /** Whether the identity exists (logins check it before verifying a credential). */
  exists(identityId: string): boolean {
    return this.#identities.get(identityId) !== undefined;
  }

  /** The login methods with their own table that the identity has, in a fixed order. */
  authMethodsOf(identityId: string): string[] {
    const methods: string[] = [];
    if (this.#universalAuth.getByIdentity(identityId)) methods.push('universal-auth');
    if (this.#tokenAuth.getByIdentity(identityId)) methods.push('token-auth');
    return methods;
  }
}
