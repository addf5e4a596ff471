import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * Gateways: one per identity (the reference upserts on identityId). Deleting a gateway marks it
 * deleted; the row stays so that its identity cannot silently register it again and get new
 * certificates.
 *
 * @example
 *   const gateway = gateways.upsert({ orgId, identityId, name: 'gw-eu', relayId });
 */
export interface Gateway {
  id: string;
  orgId: string;
  identityId: string;
  name: string;
  relayId: string | null;
  heartbeat: number | null;
  heartbeatTTL: number | null;
  capabilities: Record<string, unknown> | null;
  /** `<program>/<version>` the gateway last sent (x-burrow-agent-version), if any. */
  version: string | null;
  /** When the certificates of its last registration expire (ms). */
  certificatesExpireAt: number | null;
  deletedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  org_id: string;
  identity_id: string;
  name: string;
  relay_id: string | null;
  heartbeat: number | null;
  heartbeat_ttl: number | null;
  capabilities: string | null;
  version: string | null;
  certificates_expire_at: number | null;
  deleted_at: number | null;
  created_at: number;
  updated_at: number;
}

export class GatewayStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  get(id: string): Gateway | undefined {
    const row = this.#db.prepare<[string], Row>('SELECT * FROM gateways WHERE id = ?').get(id);
    return row && toGateway(row);
  }

  /** Records that the gateway (re-)registered for a relay (gateway_relays, Burrow HA). */
  recordRelay(gatewayId: string, relayId: string, at = Date.now()): void {
    this.#db
      .prepare(
        `INSERT INTO gateway_relays (gateway_id, relay_id, registered_at) VALUES (?, ?, ?)
         ON CONFLICT (gateway_id, relay_id) DO UPDATE SET registered_at = excluded.registered_at`,
      )
      .run(gatewayId, relayId, at);
  }

  /**
   * The relays the gateway registered with at or after `since`, most recent registration first.
   * (Its SSH certificate for a relay lives a day, so older registrations cannot be connected.)
   */
  relayIdsOf(gatewayId: string, since: number): string[] {
    return this.#db
      .prepare<[string, number], { relay_id: string }>(
        `SELECT relay_id FROM gateway_relays WHERE gateway_id = ? AND registered_at >= ?
         ORDER BY registered_at DESC`,
      )
      .all(gatewayId, since)
      .map((row) => row.relay_id);
  }

  /** The gateways that registered with `relayId` since `since` (deleted ones included). */
  gatewayIdsOfRelay(relayId: string, since: number): string[] {
    return this.#db
      .prepare<[string, number], { gateway_id: string }>(
        'SELECT gateway_id FROM gateway_relays WHERE relay_id = ? AND registered_at >= ?',
      )
      .all(relayId, since)
      .map((row) => row.gateway_id);
  }

  /** The identity's gateway, deleted or not. */
  findByIdentity(identityId: string): Gateway | undefined {
    const row = this.#db
      .prepare<[string], Row>('SELECT * FROM gateways WHERE identity_id = ?')
      .get(identityId);
    return row && toGateway(row);
  }

  findLiveByName(orgId: string, name: string): Gateway | undefined {
    const row = this.#db
      .prepare<[string, string], Row>(
        'SELECT * FROM gateways WHERE org_id = ? AND name = ? AND deleted_at IS NULL',
      )
      .get(orgId, name);
    return row && toGateway(row);
  }

  listLive(orgId: string): Gateway[] {
    return this.#db
      .prepare<[string], Row>(
        'SELECT * FROM gateways WHERE org_id = ? AND deleted_at IS NULL ORDER BY name',
      )
      .all(orgId)
      .map(toGateway);
  }

  /**
   * Creates the identity's gateway or updates its name and relay (null: an enrolled gateway an
   * admin created, before it connected to a relay).
   */
  upsert(input: {
    orgId: string;
    identityId: string;
    name: string;
    relayId: string | null;
  }): Gateway {
    const now = Date.now();
    const existing = this.findByIdentity(input.identityId);
    if (existing) {
      this.#db
        .prepare('UPDATE gateways SET name = ?, relay_id = ?, updated_at = ? WHERE id = ?')
        .run(input.name, input.relayId, now, existing.id);
      return this.get(existing.id) as Gateway;
    }
    const id = randomUUID();
    this.#db
      .prepare(
        `INSERT INTO gateways (id, org_id, identity_id, name, relay_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.orgId, input.identityId, input.name, input.relayId, now, now);
    return this.get(id) as Gateway;
  }

  setCapabilities(id: string, capabilities: Record<string, unknown> | undefined): void {
    if (capabilities === undefined) return;
    this.#db
      .prepare('UPDATE gateways SET capabilities = ? WHERE id = ?')
      .run(JSON.stringify(capabilities), id);
  }

  /** Kept when the gateway sends no version (an older Burrow or the reference's gateway). */
  setVersion(id: string, version: string | undefined): void {
    if (version === undefined) return;
    this.#db.prepare('UPDATE gateways SET version = ? WHERE id = ?').run(version, id);
  }

  setCertificatesExpireAt(id: string, at: number): void {
    this.#db.prepare('UPDATE gateways SET certificates_expire_at = ? WHERE id = ?').run(at, id);
  }

  setHeartbeat(id: string, heartbeat: number | null, heartbeatTTL: number): void {
    if (heartbeat === null) {
      this.#db.prepare('UPDATE gateways SET heartbeat_ttl = ? WHERE id = ?').run(heartbeatTTL, id);
      return;
    }
    this.#db
      .prepare('UPDATE gateways SET heartbeat = ?, heartbeat_ttl = ? WHERE id = ?')
      .run(heartbeat, heartbeatTTL, id);
  }

  markDeleted(id: string): void {
    const now = Date.now();
    this.#db
      .prepare(
        'UPDATE gateways SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL',
      )
      .run(now, now, id);
  }
}

function toGateway(row: Row): Gateway {
  return {
    id: row.id,
    orgId: row.org_id,
    identityId: row.identity_id,
    name: row.name,
    relayId: row.relay_id,
    heartbeat: row.heartbeat,
    heartbeatTTL: row.heartbeat_ttl,
    capabilities:
      row.capabilities === null ? null : (JSON.parse(row.capabilities) as Record<string, unknown>),
    version: row.version,
    certificatesExpireAt: row.certificates_expire_at,
    deletedAt: row.deleted_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
