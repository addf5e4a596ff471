import { authorize } from '../domain/permissions.ts';
import type {
  AuditActor,
  AuditDetails,
  AuditEvent,
  AuditEventStore,
} from '../stores/audit-event-store.ts';
import type { Identity } from '../stores/identity-store.ts';

/**
 * Writes and reads the organization's audit log. Services record what happened to a lease or a
 * rotation, changes to the PAM inventory and grants, and people's sign-ins; admins and auditors
 * read it (`GET /api/v1/organization/audit-logs`). No secret goes into an event.
 *
 * @example
 *   audit.record({ orgId, eventType: 'renew-dynamic-secret-lease', actor: actorOf(caller), … });
 */
export const PLATFORM_ACTOR: AuditActor = {
  type: 'platform',
  identityId: null,
  name: 'control plane schedule',
};

export function actorOf(identity: Identity): AuditActor {
  return { type: 'identity', identityId: identity.id, name: identity.name };
}

export interface AuditRecord {
  orgId: string;
  eventType: string;
  actor: AuditActor;
  resourceType: string;
  resourceId: string;
  resourceName: string;
  outcome: 'success' | 'failure';
  details?: AuditDetails;
}

export class AuditLog {
  readonly #events: AuditEventStore;

  constructor(events: AuditEventStore) {
    this.#events = events;
  }

  record(record: AuditRecord): AuditEvent {
    return this.#events.append({ ...record, details: record.details ?? {} });
  }

  /** A change `caller` made in its organization that succeeded (inventory, grants). */
  recordChange(
    caller: Identity,
    change: Pick<AuditRecord, 'eventType' | 'resourceType' | 'resourceId' | 'resourceName'> & {
      details?: AuditDetails;
    },
  ): AuditEvent {
    return this.record({
      ...change,
      orgId: caller.orgId,
      actor: actorOf(caller),
      outcome: 'success',
    });
  }

  list(
    caller: Identity,
    filter: { eventType?: string; resourceId?: string; limit?: number },
  ): AuditEvent[] {
    authorize(caller, 'audit.read');
    return this.#events.list(caller.orgId, filter);
  }
}
