import type { Identity, IdentityRole } from '../stores/identity-store.ts';
import { ForbiddenError } from './errors.ts';

/**
 * Who may do what: every role, every action, in one table. A route asks
 * `authorize(caller, action)` (throws a 403 whose message names the action and the role) or
 * `can(caller, action)`. Organization scoping (a caller only sees its own organization) and
 * ownership (a gateway's own sessions, a person's own sessions) are checked by the services on
 * top of this table; PAM access additionally needs a grant (pam-grants.ts) unless the role has
 * `pam.access.any`.
 *
 * Roles (the reference's organization roles admin/member plus an auditor, and Burrow's scoped
 * service identities):
 *   admin    everything in its organization, PAM access without a grant
 *   member   a person: lists relays, gateways and the PAM accounts its grants cover, opens
 *            sessions on those, reads and ends its own sessions; leases the dynamic secrets
 *            it has a grant on and renews / revokes its own leases
 *   auditor  reads the inventory, every session and recording, every dynamic secret and lease
 *            and the audit log; opens and leases nothing
 *   relay    registers and heartbeats its own org relay, nothing else
 *
 * An enrolled gateway or relay (created by an admin with the token auth method) authenticates
 * with its resource access token as its own identity of the gateway or relay role
 * (services/resource-token-auth.ts), so this table decides for it too.
 *   gateway  registers and heartbeats its own gateway, lists relays (auto-select), fetches the
 *            recording key and, for sessions on its gateway, credentials, event uploads and end
 *
 * @example
 *   authorize(caller, 'gateways.test-connection');
 *   if (can(caller, 'pam.sessions.read-any')) …
 */
export type Action =
  | 'identities.manage'
  | 'relays.register'
  | 'relays.enroll'
  | 'relays.list'
  | 'relays.delete'
  | 'gateways.register'
  | 'gateways.enroll'
  | 'gateways.list'
  | 'gateways.delete'
  | 'gateways.test-connection'
  | 'gateways.connection-details'
  | 'pam.inventory.manage'
  | 'pam.inventory.read'
  | 'pam.grants.manage'
  | 'pam.access'
  | 'pam.access.any'
  | 'pam.sessions.read-own'
  | 'pam.sessions.read-any'
  | 'pam.sessions.end-any'
  | 'pam.sessions.serve'
  | 'pam.rotation.manage'
  | 'dynamic-secrets.manage'
  | 'dynamic-secrets.read-any'
  | 'dynamic-secrets.lease'
  | 'dynamic-secrets.lease.any'
  | 'dynamic-secrets.leases.read-any'
  | 'audit.read';

export const ROLES: readonly IdentityRole[] = ['admin', 'member', 'auditor', 'relay', 'gateway'];

const PERMISSIONS: Record<IdentityRole, readonly Action[]> = {
  admin: [
    'identities.manage',
    'relays.register',
    'relays.enroll',
    'relays.list',
    'relays.delete',
    'gateways.register',
    'gateways.enroll',
    'gateways.list',
    'gateways.delete',
    'gateways.test-connection',
    'gateways.connection-details',
    'pam.inventory.manage',
    'pam.inventory.read',
    'pam.grants.manage',
    'pam.access',
    'pam.access.any',
    'pam.sessions.read-own',
    'pam.sessions.read-any',
    'pam.sessions.end-any',
    'pam.sessions.serve',
    'pam.rotation.manage',
    'dynamic-secrets.manage',
    'dynamic-secrets.read-any',
    'dynamic-secrets.lease',
    'dynamic-secrets.lease.any',
    'dynamic-secrets.leases.read-any',
    'audit.read',
  ],
  member: [
    'relays.list',
    'gateways.list',
    'pam.access',
    'pam.sessions.read-own',
    'dynamic-secrets.lease',
  ],
  auditor: [
    'relays.list',
    'gateways.list',
    'pam.inventory.read',
    'pam.sessions.read-own',
    'pam.sessions.read-any',
    'dynamic-secrets.read-any',
    'dynamic-secrets.leases.read-any',
    'audit.read',
  ],
  relay: ['relays.register'],
  gateway: ['gateways.register', 'relays.list', 'pam.sessions.serve'],
};

/** What each action is, for refusals: "… may not test connections through gateways". */
const DESCRIPTIONS: Record<Action, string> = {
  'identities.manage': 'manage identities',
  'relays.register': 'register or heartbeat relays',
  'relays.enroll': 'create enrolled relays, mint their enrollment tokens or revoke their access',
  'relays.list': 'list relays',
  'relays.delete': 'delete relays',
  'gateways.register': 'register or heartbeat gateways',
  'gateways.enroll':
    'create enrolled gateways, mint their enrollment tokens or revoke their access',
  'gateways.list': 'list gateways',
  'gateways.delete': 'delete gateways',
  'gateways.test-connection': 'test connections through gateways',
  'gateways.connection-details': 'get platform connection details',
  'pam.inventory.manage': 'create PAM resources or accounts',
  'pam.inventory.read': 'list PAM resources or accounts',
  'pam.grants.manage': 'manage PAM grants',
  'pam.access': 'access PAM accounts',
  'pam.access.any': 'access PAM accounts without a grant',
  'pam.sessions.read-own': 'read PAM sessions',
  'pam.sessions.read-any': 'read other identities’ PAM sessions',
  'pam.sessions.end-any': 'end other identities’ PAM sessions',
  'pam.sessions.serve': 'serve PAM sessions as a gateway',
  'pam.rotation.manage': 'rotate PAM account passwords',
  'dynamic-secrets.manage': 'create, change or delete dynamic secrets or their grants',
  'dynamic-secrets.read-any': 'read every dynamic secret',
  'dynamic-secrets.lease': 'lease dynamic secrets',
  'dynamic-secrets.lease.any': 'lease dynamic secrets without a grant or act on others’ leases',
  'dynamic-secrets.leases.read-any': 'read other identities’ dynamic-secret leases',
  'audit.read': 'read the audit log',
};

export function isRole(value: string): value is IdentityRole {
  return (ROLES as readonly string[]).includes(value);
}

export function can(identity: Pick<Identity, 'role'>, action: Action): boolean {
  return PERMISSIONS[identity.role]?.includes(action) ?? false;
}

/** Throws a 403 naming the role and what it may not do. */
export function authorize(identity: Pick<Identity, 'role'>, action: Action): void {
  if (!can(identity, action)) {
    throw new ForbiddenError(
      `An identity with the ${identity.role} role may not ${DESCRIPTIONS[action]}`,
    );
  }
}

/** The actions a role has (for docs and tests). */
export function permissionsOf(role: IdentityRole): readonly Action[] {
  return PERMISSIONS[role];
}

/** Throws a 403 unless the identity belongs to `orgId` (an identity acts in its own organization only). */
export function requireOrg(identity: Pick<Identity, 'orgId'>, orgId: string): void {
  if (identity.orgId !== orgId) {
    throw new ForbiddenError('Identity does not belong to this organization');
  }
}
