import { tokenAuthConfig, type AccessTokenGrant } from '@burrow/auth-methods';
import { hashPassword } from '../crypto/password-hash.ts';
import type { Db } from '../db/database.ts';
import { InvalidRequestError } from '../domain/errors.ts';
import type { Identity, IdentityStore } from '../stores/identity-store.ts';
import type { InstanceSettingsStore } from '../stores/instance-settings-store.ts';
import type { Organization, OrganizationStore } from '../stores/organization-store.ts';
import type { TokenAuthStore } from '../stores/token-auth-store.ts';
import type { User, UserStore } from '../stores/user-store.ts';
import type { AccessTokens } from './access-tokens.ts';

/**
 * First-run setup (`POST /api/v1/admin/bootstrap`): the instance admin user (who signs in to the
 * console with the email and password given here, as its admin person identity), the first
 * organization, and an admin machine identity with token auth and one access token, so that
 * automation can continue with the API right away. Allowed exactly once per instance.
 */
export interface BootstrapResult {
  user: User;
  organization: Organization;
  identity: Identity;
  grant: AccessTokenGrant;
}

export interface BootstrapInput {
  email: string;
  password: string;
  organization: string;
}

export interface BootstrapDeps {
  db: Db;
  settings: InstanceSettingsStore;
  organizations: OrganizationStore;
  users: UserStore;
  identities: IdentityStore;
  tokenAuth: TokenAuthStore;
  accessTokens: AccessTokens;
}

export const BOOTSTRAP_SETTING = 'bootstrapped_at';
export const ADMIN_IDENTITY_NAME = 'Instance Admin Identity';

export async function bootstrapInstance(
  context: BootstrapDeps,
  input: BootstrapInput,
): Promise<BootstrapResult> {
  refuseIfBootstrapped(context);
  const passwordHash = await hashPassword(input.password);
  // Synchronous from here: no other request runs in between, and the transaction is atomic.
  return context.db.transaction(() => {
    if (!context.settings.setOnce(BOOTSTRAP_SETTING, new Date().toISOString())) {
      refuseIfBootstrapped(context);
    }
    const user = context.users.create({ email: input.email, passwordHash, superAdmin: true });
    const organization = context.organizations.create({ name: input.organization });
    const person = context.identities.create({
      orgId: organization.id,
      name: input.email,
      role: 'admin',
    });
    context.users.addMember(organization.id, user.id, 'admin', person.id);
    const identity = context.identities.create({
      orgId: organization.id,
      name: ADMIN_IDENTITY_NAME,
      role: 'admin',
    });
    const policy = tokenAuthConfig();
    context.tokenAuth.attach(identity.id, policy);
    const grant = context.accessTokens.issue(identity.id, 'token-auth', policy, {
      name: 'bootstrap',
    });
    return { user, organization, identity, grant };
  })();
}

function refuseIfBootstrapped(context: BootstrapDeps): void {
  if (context.settings.get(BOOTSTRAP_SETTING) !== undefined) {
    throw new InvalidRequestError('Instance has already been set up; bootstrap is refused');
  }
}
