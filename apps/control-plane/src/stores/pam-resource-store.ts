import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type {
  PamConnectionDetails,
  PamHttpConnectionDetails,
  PamPostgresConnectionDetails,
  PamResourceType,
  PamSshConnectionDetails,
} from '../domain/pam-connection-details.ts';

/**
 * PAM resources: a target (`postgres`, `ssh`, `http` or `kubernetes`) reachable through one gateway. The connection
 * details hold no secret (credentials live on accounts); an ssh resource's pinned host keys and
 * host CAs are public keys.
 *
 * @example
 *   const resource = store.create({ orgId, name: 'orders-db', resourceType: 'postgres', gatewayId,
 *     connectionDetails: { host: 'db.internal', port: 5432, database: 'orders' } });
 */
export type PamResource = PamPostgresResource | PamSshResource | PamHttpResource;

interface PamResourceBase {
  id: string;
  orgId: string;
  name: string;
  gatewayId: string;
  createdAt: number;
}

export interface PamPostgresResource extends PamResourceBase {
  resourceType: 'postgres';
  connectionDetails: PamPostgresConnectionDetails;
}

export interface PamSshResource extends PamResourceBase {
  resourceType: 'ssh';
  connectionDetails: PamSshConnectionDetails;
}

/** A web application (`http`) or a Kubernetes API server (`kubernetes`), issue 16. */
export interface PamHttpResource extends PamResourceBase {
  resourceType: 'http' | 'kubernetes';
  connectionDetails: PamHttpConnectionDetails;
}

export type NewPamResource =
  | Omit<PamPostgresResource, 'id' | 'createdAt'>
  | Omit<PamSshResource, 'id' | 'createdAt'>
  | Omit<PamHttpResource, 'id' | 'createdAt'>;

interface PamResourceRow {
  id: string;
  org_id: string;
  name: string;
  resource_type: string;
  gateway_id: string;
  connection_details: string;
  created_at: number;
}

export class PamResourceStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  create(input: NewPamResource): PamResource {
    const resource = { id: randomUUID(), ...input, createdAt: Date.now() } as PamResource;
    this.#db
      .prepare(
        `INSERT INTO pam_resources (id, org_id, name, resource_type, gateway_id, connection_details, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        resource.id,
        resource.orgId,
        resource.name,
        resource.resourceType,
        resource.gatewayId,
        JSON.stringify(resource.connectionDetails),
        resource.createdAt,
      );
    return resource;
  }

  get(id: string): PamResource | undefined {
    const row = this.#db
      .prepare<[string], PamResourceRow>('SELECT * FROM pam_resources WHERE id = ?')
      .get(id);
    return row && toResource(row);
  }

  findByName(orgId: string, name: string): PamResource | undefined {
    const row = this.#db
      .prepare<[string, string], PamResourceRow>(
        'SELECT * FROM pam_resources WHERE org_id = ? AND name = ?',
      )
      .get(orgId, name);
    return row && toResource(row);
  }

  setConnectionDetails(id: string, details: PamConnectionDetails): void {
    this.#db
      .prepare('UPDATE pam_resources SET connection_details = ? WHERE id = ?')
      .run(JSON.stringify(details), id);
  }

  delete(id: string): void {
    this.#db.prepare('DELETE FROM pam_resources WHERE id = ?').run(id);
  }

  list(orgId: string): PamResource[] {
    return this.#db
      .prepare<[string], PamResourceRow>(
        'SELECT * FROM pam_resources WHERE org_id = ? ORDER BY name',
      )
      .all(orgId)
      .map(toResource);
  }
}

function toResource(row: PamResourceRow): PamResource {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    resourceType: row.resource_type as PamResourceType,
    gatewayId: row.gateway_id,
    connectionDetails: JSON.parse(row.connection_details) as PamConnectionDetails,
    createdAt: row.created_at,
  } as PamResource;
}
