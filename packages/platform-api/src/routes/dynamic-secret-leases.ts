import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { errorResponses, Uuid } from '../schemas/common.ts';
import {
  DurationString,
  DynamicSecretJson,
  DynamicSecretLeaseJson,
  DynamicSecretName,
  SqlDatabaseLeaseData,
} from '../schemas/dynamic-secrets.ts';

/**
 * Leases of a dynamic secret (reference API `/api/v1/dynamic-secrets/leases`):
 *
 *   POST   /api/v1/dynamic-secrets/leases {dynamicSecretName, ttl?:"1h"}
 *          → {lease, dynamicSecret, data:{DB_USERNAME, DB_PASSWORD, DB_HOST, DB_PORT, DB_NAME}}
 *          The control plane runs the creation statement in the private database through the
 *          gateway; the credentials are answered this once and never stored. ttl ≤ maxTTL
 *          (default: the secret's defaultTTL). Admins, and members with a grant on the secret.
 *   GET    /api/v1/dynamic-secrets/:name/leases → {leases:[…]} that are not revoked yet: the
 *          caller's own (member), every one (admin, auditor)
 *   GET    /api/v1/dynamic-secrets/leases/:leaseId → {lease}
 *   POST   /api/v1/dynamic-secrets/leases/:leaseId/renew {ttl?} → {lease}: expireAt moves to
 *          expireAt + ttl (at most createdAt + maxTTL); the renew statement sets the role's
 *          `VALID UNTIL` through the gateway
 *   DELETE /api/v1/dynamic-secrets/leases/:leaseId → {lease}: the revocation statement runs now;
 *          when the gateway or database cannot be reached the lease is answered with status
 *          `revocation pending` and the control plane keeps retrying with backoff
 *
 * Expired leases are revoked by the control plane itself (a persistent schedule in its database,
 * so a restart does not forget them). A member renews and revokes only its own leases.
 */
const ReferenceScope = {
  projectSlug: Type.Optional(Type.String({ maxLength: 64 })),
  environmentSlug: Type.Optional(Type.String({ maxLength: 64 })),
  path: Type.Optional(Type.String({ maxLength: 256 })),
};

export const createDynamicSecretLease = defineRoute({
  method: 'POST',
  path: '/api/v1/dynamic-secrets/leases',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'Lease a dynamic secret: a fresh database role, its credentials answered once',
  body: Type.Object({
    dynamicSecretName: DynamicSecretName,
    ttl: Type.Optional(DurationString),
    ...ReferenceScope,
  }),
  response: {
    200: Type.Object({
      lease: DynamicSecretLeaseJson,
      dynamicSecret: DynamicSecretJson,
      data: SqlDatabaseLeaseData,
    }),
    ...errorResponses,
  },
});

export const listDynamicSecretLeases = defineRoute({
  method: 'GET',
  path: '/api/v1/dynamic-secrets/:name/leases',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'Leases of a dynamic secret that are not revoked yet (members: their own)',
  params: Type.Object({ name: DynamicSecretName }),
  querystring: Type.Object(ReferenceScope),
  response: { 200: Type.Object({ leases: Type.Array(DynamicSecretLeaseJson) }), ...errorResponses },
});

export const getDynamicSecretLease = defineRoute({
  method: 'GET',
  path: '/api/v1/dynamic-secrets/leases/:leaseId',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'One lease and its status',
  params: Type.Object({ leaseId: Uuid }),
  querystring: Type.Object(ReferenceScope),
  response: { 200: Type.Object({ lease: DynamicSecretLeaseJson }), ...errorResponses },
});

export const renewDynamicSecretLease = defineRoute({
  method: 'POST',
  path: '/api/v1/dynamic-secrets/leases/:leaseId/renew',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'Extend a lease (at most to its creation + maxTTL)',
  params: Type.Object({ leaseId: Uuid }),
  body: Type.Object({ ttl: Type.Optional(DurationString), ...ReferenceScope }),
  response: { 200: Type.Object({ lease: DynamicSecretLeaseJson }), ...errorResponses },
});

export const revokeDynamicSecretLease = defineRoute({
  method: 'DELETE',
  path: '/api/v1/dynamic-secrets/leases/:leaseId',
  auth: 'identity',
  tags: ['dynamic-secrets'],
  summary: 'Revoke a lease now (drops the role; retried in the background if the gateway is down)',
  params: Type.Object({ leaseId: Uuid }),
  response: { 200: Type.Object({ lease: DynamicSecretLeaseJson }), ...errorResponses },
});
