import type { Identity } from '../stores/identity-store.ts';
import { ForbiddenError } from './errors.ts';

/**
 * Organization-level permissions of identities. `admin` may do everything in its organization;
 * `member` may register, heartbeat and read relays and gateways and test connections, but not
 * manage identities or delete gateways.
 *
 * @example
 *   requireOrg(caller, body.organizationId);
 *   requireAdmin(caller);
 */
export function requireOrg(identity: Identity, orgId: string): void {
  if (identity.orgId !== orgId) {
    throw new ForbiddenError('Identity does not belong to this organization');
  }
}

export function requireAdmin(identity: Identity): void {
  if (identity.role !== 'admin') {
    throw new ForbiddenError('This action needs an identity with the admin role');
  }
}
