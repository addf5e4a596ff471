import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * The audit log: append-only events of an organization (who, when, which object, outcome).
 * `details` never holds a secret (no password, no token): role names, expiry times, reasons.
 *
 * @example
 *   audit.append({ orgId, eventType: 'create-dynamic-secret-lease', actor, resourceType: 'dynamic-secret-lease', … });
 */
export interface AuditActor {
  type: 'identity' | 'platform';
  identityId: string | null;
  name: string | null;
}

export type AuditDetails = Record<string, string | number | null>;

export interface AuditEvent {
  id: string;
  orgId: string;
  eventType: string;
  actor: AuditActor;
  resourceType: string;
  resourceId: string;
  resourceName: string;
  outcome: 'success' | 'failure';
  details: AuditDetails;
  createdAt: number;
}

interface Row {
  id: string;
  org_id: string;
  event_type: string;
  actor_type: 'identity' | 'platform';
  actor_identity_id: string | null;
  actor_name: string | null;
  resource_type: string;
  resource_id: string;
  resource_name: string;
  outcome: 'success' | 'failure';
  details: string;
  created_at: number;
}

export class AuditEventStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  append(input: Omit<AuditEvent, 'id' | 'createdAt'>): AuditEvent {
    const event: AuditEvent = { ...input, id: randomUUID(), createdAt: Date.now() };
    this.#db
      .prepare(
        `INSERT INTO audit_events (id, org_id, event_type, actor_type, actor_identity_id, actor_name,
           resource_type, resource_id, resource_name, outcome, details, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        event.id,
        event.orgId,
        event.eventType,
        event.actor.type,
        event.actor.identityId,
        event.actor.name,
        event.resourceType,
        event.resourceId,
        event.resourceName,
        event.outcome,
        JSON.stringify(event.details),
        event.createdAt,
      );
    return event;
  }

  /** Newest first. */
  list(
    orgId: string,
    filter: { eventType?: string; resourceId?: string; limit?: number },
  ): AuditEvent[] {
    const clauses = ['org_id = ?'];
    const args: (string | number)[] = [orgId];
    if (filter.eventType !== undefined) {
      clauses.push('event_type = ?');
      args.push(filter.eventType);
    }
    if (filter.resourceId !== undefined) {
      clauses.push('resource_id = ?');
      args.push(filter.resourceId);
    }
    args.push(filter.limit ?? 100);
    return this.#db
      .prepare<(string | number)[], Row>(
        `SELECT * FROM audit_events WHERE ${clauses.join(' AND ')}
         ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...args)
      .map(toEvent);
  }
}

function toEvent(row: Row): AuditEvent {
  return {
    id: row.id,
    orgId: row.org_id,
    eventType: row.event_type,
    actor: { type: row.actor_type, identityId: row.actor_identity_id, name: row.actor_name },
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    outcome: row.outcome,
    details: JSON.parse(row.details) as AuditDetails,
    createdAt: row.created_at,
  };
}
