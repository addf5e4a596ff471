import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * PAM resources: a target (today only `postgres`) reachable through one gateway. The connection
 * details hold no secret (credentials live on accounts).
 *
 * @example
 *   const resource = store.create({ orgId, name: 'orders-db', resourceType: 'postgres', gatewayId,
 *     connectionDetails: { host: 'db.internal', port: 5432, database: 'orders' } });
 */
export interface PamConnectionDetails {
  host: string;
  port: number;
  database: string;
  sslEnabled?: boolean;
  sslRejectUnauthorized?: boolean;
  sslCertificate?: string;
}

export interface PamResource {
  id: string;
  orgId: string;
  name: string;
  resourceType: string;
  gatewayId: string;
  connectionDetails: PamConnectionDetails;
  createdAt: number;
}

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

  create(input: Omit<PamResource, 'id' | 'createdAt'>): PamResource {
    const resource: PamResource = { id: randomUUID(), ...input, createdAt: Date.now() };
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
    resourceType: row.resource_type,
    gatewayId: row.gateway_id,
    connectionDetails: JSON.parse(row.connection_details) as PamConnectionDetails,
    createdAt: row.created_at,
  };
}
