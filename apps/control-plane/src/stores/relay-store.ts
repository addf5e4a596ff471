import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * Relays. An org relay belongs to one organization and one identity (the identity that
 * registered it); an instance relay (orgId null) serves every organization and is registered
 * with the instance's RELAY_AUTH_SECRET. `sshPort`/`tlsPort` are Burrow's extension to the
 * reference's fixed 2222/8443. A deleted relay stays as a tombstone (`deletedAt`): gateways cannot
 * register with it, it is not listed, and its name cannot be registered again.
 *
 * @example
 *   const relay = relays.upsertInstanceRelay({ name: 'relay-1', host: '203.0.113.7', sshPort: 2222, tlsPort: 8443 });
 */
export interface Relay {
  id: string;
  orgId: string | null;
  identityId: string | null;
  name: string;
  host: string;
  sshPort: number;
  tlsPort: number;
  heartbeat: number | null;
  healthAlertedAt: number | null;
  /** `<program>/<version>` the relay last sent (x-burrow-agent-version), if any. */
  version: string | null;
  /** When the certificates of its last registration expire (ms). */
  certificatesExpireAt: number | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

interface Row {
  id: string;
  org_id: string | null;
  identity_id: string | null;
  name: string;
  host: string;
  ssh_port: number;
  tls_port: number;
  heartbeat: number | null;
  health_alerted_at: number | null;
  version: string | null;
  certificates_expire_at: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface RelayAddress {
  name: string;
  host: string;
  sshPort: number;
  tlsPort: number;
}

export class RelayStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  get(id: string): Relay | undefined {
    const row = this.#db.prepare<[string], Row>('SELECT * FROM relays WHERE id = ?').get(id);
    return row && toRelay(row);
  }

  findOrgRelay(orgId: string, name: string): Relay | undefined {
    const row = this.#db
      .prepare<[string, string], Row>('SELECT * FROM relays WHERE org_id = ? AND name = ?')
      .get(orgId, name);
    return row && toRelay(row);
  }

  findOrgRelayOfIdentity(orgId: string, identityId: string): Relay | undefined {
    const row = this.#db
      .prepare<[string, string], Row>('SELECT * FROM relays WHERE org_id = ? AND identity_id = ?')
      .get(orgId, identityId);
    return row && toRelay(row);
  }

  findInstanceRelay(name: string): Relay | undefined {
    const row = this.#db
      .prepare<[string], Row>('SELECT * FROM relays WHERE org_id IS NULL AND name = ?')
      .get(name);
    return row && toRelay(row);
  }

  /** Relays (any organization, and instance relays) on `host` that use one of `ports`. */
  findUsingAddress(host: string, ports: number[]): Relay[] {
    return this.#db
      .prepare<[string], Row>('SELECT * FROM relays WHERE lower(host) = lower(?)')
      .all(host)
      .map(toRelay)
      .filter((relay) => ports.includes(relay.sshPort) || ports.includes(relay.tlsPort));
  }

  /** The relay a gateway of `orgId` means by `name`: the org's own first, then an instance relay. */
  findForOrg(orgId: string, name: string): Relay | undefined {
    const relay = this.findOrgRelay(orgId, name) ?? this.findInstanceRelay(name);
    return relay?.deletedAt === null ? relay : undefined;
  }

  /** The org's relays followed by the instance relays. */
  listForOrg(orgId: string): Relay[] {
    return this.#db
      .prepare<[string], Row>(
        `SELECT * FROM relays WHERE (org_id = ? OR org_id IS NULL) AND deleted_at IS NULL
         ORDER BY org_id IS NULL, name`,
      )
      .all(orgId)
      .map(toRelay);
  }

  upsertOrgRelay(orgId: string, identityId: string, address: RelayAddress): Relay {
    const existing = this.findOrgRelayOfIdentity(orgId, identityId);
    const now = Date.now();
    if (existing) {
      this.#db
        .prepare(
          'UPDATE relays SET name = ?, host = ?, ssh_port = ?, tls_port = ?, updated_at = ? WHERE id = ?',
        )
        .run(address.name, address.host, address.sshPort, address.tlsPort, now, existing.id);
      return this.get(existing.id) as Relay;
    }
    return this.#insert(orgId, identityId, address, now);
  }

  upsertInstanceRelay(address: RelayAddress): Relay {
    const existing = this.findInstanceRelay(address.name);
    const now = Date.now();
    if (existing) {
      this.#db
        .prepare(
          'UPDATE relays SET host = ?, ssh_port = ?, tls_port = ?, updated_at = ? WHERE id = ?',
        )
        .run(address.host, address.sshPort, address.tlsPort, now, existing.id);
      return this.get(existing.id) as Relay;
    }
    return this.#insert(null, null, address, now);
  }

  /** Marks the relay deleted; false when it already was. */
  markDeleted(id: string, now = Date.now()): boolean {
    return (
      this.#db
        .prepare(
          'UPDATE relays SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL',
        )
        .run(now, now, id).changes === 1
    );
  }

  /** Kept when the relay sends no version (an older Burrow or the reference's relay). */
  setVersion(id: string, version: string | undefined): void {
    if (version === undefined) return;
    this.#db.prepare('UPDATE relays SET version = ? WHERE id = ?').run(version, id);
  }

  setCertificatesExpireAt(id: string, at: number): void {
    this.#db.prepare('UPDATE relays SET certificates_expire_at = ? WHERE id = ?').run(at, id);
  }

  setHeartbeat(id: string, at: number): void {
    this.#db.prepare('UPDATE relays SET heartbeat = ? WHERE id = ?').run(at, id);
  }

  #insert(
    orgId: string | null,
    identityId: string | null,
    address: RelayAddress,
    now: number,
  ): Relay {
    const id = randomUUID();
    this.#db
      .prepare(
        `INSERT INTO relays (id, org_id, identity_id, name, host, ssh_port, tls_port, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        orgId,
        identityId,
        address.name,
        address.host,
        address.sshPort,
        address.tlsPort,
        now,
        now,
      );
    return this.get(id) as Relay;
  }
}

function toRelay(row: Row): Relay {
  return {
    id: row.id,
    orgId: row.org_id,
    identityId: row.identity_id,
    name: row.name,
    host: row.host,
    sshPort: row.ssh_port,
    tlsPort: row.tls_port,
    heartbeat: row.heartbeat,
    healthAlertedAt: row.health_alerted_at,
    version: row.version,
    certificatesExpireAt: row.certificates_expire_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}
