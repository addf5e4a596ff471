import { randomBytes } from 'node:crypto';
import { tokenAuthConfig, type AccessTokenGrant } from '@burrow/auth-methods';
import { hashPassword, verifyPassword } from '../crypto/password-hash.ts';
import {
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  TooManyAttemptsError,
  UnauthorizedError,
} from '../domain/errors.ts';
import { authorize, requireOrg } from '../domain/permissions.ts';
import type { Identity, IdentityRole, IdentityStore } from '../stores/identity-store.ts';
import type { Organization, OrganizationStore } from '../stores/organization-store.ts';
import type { User, UserStore } from '../stores/user-store.ts';
import type { AccessTokens } from './access-tokens.ts';
import { actorOf, type AuditLog } from './audit-log.ts';

/**
 * People's accounts: sign-in with email and password, the lock after repeated wrong passwords,
 * and new users made by an admin.
 *
 * A signed-in user acts as its organization's *person identity* (role = the membership's role):
 * sign-in issues an ordinary access token of that identity (auth method `user-password`, tied to
 * the user), so every route keeps its one permission check and identity deletion (revocation)
 * ends the user's tokens and console sessions. The console keeps the token in an HttpOnly cookie;
 * `burrow login --email` keeps it like a machine identity's token.
 *
 * Lock: MAX_FAILED_SIGN_INS consecutive wrong passwords lock the account for LOCK_MS. While
 * locked, new sign-ins are refused, even with the right password. Sessions and tokens the user
 * already holds keep working: wrong passwords need nothing but the email, so if the lock ended
 * sessions, anyone knowing an address could sign its owner out at will. A correct password after
 * the lock has passed starts the count afresh.
 *
 * @example
 *   const { grant, identity } = await accounts.signIn({ email, password }, 'console');
 *   accounts.assertExists(userId); // on each use of a user's token
 */
export const MAX_FAILED_SIGN_INS = 5;
export const LOCK_MS = 15 * 60_000;
/** A console session or `burrow login --email` token lives 12 hours, renewable up to that. */
export const USER_TOKEN_TTL_SECONDS = 12 * 3600;

const WRONG_CREDENTIALS = 'Wrong email or password';

export interface SignInInput {
  email: string;
  password: string;
  /** Which of the user's organizations; default: the first one it joined. */
  organizationSlug?: string | undefined;
}

export interface SignedIn {
  user: User;
  organization: Organization;
  identity: Identity;
  grant: AccessTokenGrant;
}

export interface NewUser {
  user: User;
  identity: Identity;
  /** Generated, shown once: the person changes nothing, an admin hands it over. */
  initialPassword: string;
}

export type PersonRole = Extract<IdentityRole, 'admin' | 'member' | 'auditor'>;
const PERSON_ROLES: readonly string[] = ['admin', 'member', 'auditor'];

export class UserAccounts {
  readonly #users: UserStore;
  readonly #organizations: OrganizationStore;
  readonly #identities: IdentityStore;
  readonly #accessTokens: AccessTokens;
  readonly #audit: AuditLog;
  readonly #now: () => number;
  /** Compared against when the email is unknown, so both answers take the same time. */
  #decoyHash: Promise<string> | undefined;

  constructor(deps: {
    users: UserStore;
    organizations: OrganizationStore;
    identities: IdentityStore;
    accessTokens: AccessTokens;
    /** Sign-ins and refused sign-ins of known users go there (never the password). */
    audit: AuditLog;
    now?: () => number;
  }) {
    this.#audit = deps.audit;
    this.#users = deps.users;
    this.#organizations = deps.organizations;
    this.#identities = deps.identities;
    this.#accessTokens = deps.accessTokens;
    this.#now = deps.now ?? Date.now;
  }

  async signIn(input: SignInInput, tokenName: string): Promise<SignedIn> {
    const found = this.#users.findByEmail(input.email);
    if (!found) {
      await verifyPassword(input.password, await (this.#decoyHash ??= hashPassword('decoy')));
      throw new UnauthorizedError(WRONG_CREDENTIALS);
    }
    const now = this.#now();
    if (found.lockedUntil !== null) {
      // Not recorded: attempts while locked are not checked, and anyone may send them, so
      // recording them would let a stranger grow the audit log without bound. The wrong
      // passwords that locked it are recorded (at most MAX_FAILED_SIGN_INS per lock).
      if (found.lockedUntil > now) throw lockedError(found.lockedUntil, now);
      this.#users.clearFailedSignIns(found.id);
    }
    if (!(await verifyPassword(input.password, found.passwordHash))) {
      const after = this.#users.recordFailedSignIn(found.id, MAX_FAILED_SIGN_INS, now + LOCK_MS);
      const lockedNow = after?.lockedUntil != null && after.lockedUntil > now;
      this.#recordRefusal(
        found,
        tokenName,
        lockedNow ? 'wrong password, now locked' : 'wrong password',
      );
      if (lockedNow) throw lockedError(after.lockedUntil as number, now);
      throw new UnauthorizedError(WRONG_CREDENTIALS);
    }
    this.#users.clearFailedSignIns(found.id);
    const { organization, identity } = this.#personIdentity(found, input.organizationSlug);
    const grant = this.#accessTokens.issue(
      identity.id,
      'user-password',
      tokenAuthConfig({
        accessTokenTTL: USER_TOKEN_TTL_SECONDS,
        accessTokenMaxTTL: USER_TOKEN_TTL_SECONDS,
      }),
      { name: tokenName, userId: found.id },
    );
    this.#audit.record({
      orgId: organization.id,
      eventType: 'user-sign-in',
      actor: actorOf(identity),
      resourceType: 'user',
      resourceId: found.id,
      resourceName: found.email,
      outcome: 'success',
      details: { via: tokenName },
    });
    const { passwordHash: _hash, failedSignIns: _failed, lockedUntil: _locked, ...user } = found;
    return { user, organization, identity, grant };
  }

  /**
   * A refused sign-in of a known user, in each of its organizations (an unknown email belongs to
   * none, so it is not recorded). Whoever tried is not known: the actor says so.
   */
  #recordRefusal(user: User, via: string, reason: string): void {
    for (const { orgId } of this.#users.memberships(user.id)) {
      this.#audit.record({
        orgId,
        eventType: 'user-sign-in',
        actor: { type: 'identity', identityId: null, name: 'not signed in' },
        resourceType: 'user',
        resourceId: user.id,
        resourceName: user.email,
        outcome: 'failure',
        details: { via, reason },
      });
    }
  }

  /**
   * Throws 401 unless the user still exists (each use of a user's token). A lock is not checked
   * here: it refuses new sign-ins only (see the class comment).
   */
  assertExists(userId: string): void {
    if (!this.#users.get(userId)) {
      throw new UnauthorizedError('This user no longer exists; sign in again');
    }
  }

  /**
   * The console's session answer for an authenticated token: the signed-in person (`userId`, the
   * token's user) with the identity it acts as and its organization; 403 for any other token.
   */
  consoleSession(identity: Identity, userId: string | undefined): Omit<SignedIn, 'grant'> {
    const found = userId === undefined ? undefined : this.#users.get(userId);
    const organization = this.#organizations.get(identity.orgId);
    if (!found || !organization) {
      throw new ForbiddenError('Only a signed-in person has a console session');
    }
    const { passwordHash: _hash, failedSignIns: _failed, lockedUntil: _locked, ...user } = found;
    return { user, organization, identity };
  }

  /** An admin adds a person to its organization with a generated password (shown once). */
  async createUser(
    caller: Identity,
    input: { organizationId: string; email: string; role: PersonRole },
  ): Promise<NewUser> {
    authorize(caller, 'identities.manage');
    requireOrg(caller, input.organizationId);
    if (!PERSON_ROLES.includes(input.role)) {
      throw new InvalidRequestError(
        `A person's role is admin, member or auditor, not ${input.role}`,
      );
    }
    const initialPassword = randomBytes(15).toString('base64url');
    const passwordHash = await hashPassword(initialPassword);
    // Checked after the (slow) hash, so no other request can add the same email in between.
    if (this.#users.findByEmail(input.email)) {
      throw new ConflictError(`A user with the email ${input.email} already exists`);
    }
    const user = this.#users.create({ email: input.email, passwordHash, superAdmin: false });
    const identity = this.#identities.create({
      orgId: input.organizationId,
      name: input.email,
      role: input.role,
    });
    this.#users.addMember(input.organizationId, user.id, input.role, identity.id);
    return { user, identity, initialPassword };
  }

  #personIdentity(
    user: User,
    organizationSlug: string | undefined,
  ): { organization: Organization; identity: Identity } {
    const memberships = this.#users.memberships(user.id);
    const membership = organizationSlug
      ? memberships.find((m) => this.#organizations.get(m.orgId)?.slug === organizationSlug)
      : memberships[0];
    if (!membership) {
      throw new ForbiddenError(
        organizationSlug
          ? `This user is not a member of the organization ${organizationSlug}`
          : 'This user is not a member of any organization',
      );
    }
    const organization = this.#organizations.get(membership.orgId);
    if (!organization) throw new ForbiddenError('This user is not a member of any organization');
    if (membership.identityId === null) {
      // Set up before user sign-in existed: the person identity is made at the first sign-in.
      if (!PERSON_ROLES.includes(membership.role)) {
        throw new ForbiddenError(`This user's role ${membership.role} cannot sign in`);
      }
      const identity = this.#identities.create({
        orgId: organization.id,
        name: user.email,
        role: membership.role as PersonRole,
      });
      this.#users.setMembershipIdentity(organization.id, user.id, identity.id);
      return { organization, identity };
    }
    const identity = this.#identities.get(membership.identityId);
    if (!identity) {
      throw new ForbiddenError(
        `This user was removed from the organization ${organization.slug} (its identity was deleted)`,
      );
    }
    return { organization, identity };
  }
}

function lockedError(lockedUntil: number, now: number): TooManyAttemptsError {
  const minutes = Math.max(1, Math.ceil((lockedUntil - now) / 60_000));
  return new TooManyAttemptsError(
    `Too many wrong passwords: this account is locked until ${new Date(lockedUntil).toISOString()} (about ${minutes} min)`,
  );
}
