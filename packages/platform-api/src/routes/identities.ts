import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { errorResponses, Uuid } from '../schemas/common.ts';

/**
 * Machine identities:
 *   POST  /api/v1/identities {name, organizationId, role?}  → {identity}
 *   GET   /api/v1/identities/:identityId                    → {identity}
 *   PATCH /api/v1/identities/:identityId {role}             → {identity}
 *   GET   /api/v1/identities?organizationId=…               → {identities}  (admin)
 * The caller is an admin identity of that organization. Roles: admin, member (default), auditor,
 * relay (registers its org relay), gateway (registers its gateway); what each may do is the
 * control plane's permission table (README "Security model").
 *   DELETE /api/v1/identities/:identityId                  → {identity}  (reference path)
 * Deleting an identity revokes everything it holds at once: its access tokens and client secrets
 * (refused at the next request), its gateway (stopped within seconds), its org relay, and its PAM
 * sessions (ended at the gateway). An identity cannot delete itself.
 */
export const IdentityRoleSchema = Type.Union([
  Type.Literal('admin'),
  Type.Literal('member'),
  Type.Literal('auditor'),
  Type.Literal('relay'),
  Type.Literal('gateway'),
]);
export const IdentityJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  orgId: Type.String(),
  role: Type.String(),
  authMethods: Type.Array(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const createIdentity = defineRoute({
  method: 'POST',
  path: '/api/v1/identities',
  auth: 'identity',
  tags: ['identities'],
  summary: 'Create a machine identity',
  body: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 64 }),
    organizationId: Uuid,
    role: Type.Optional(IdentityRoleSchema),
  }),
  response: { 200: Type.Object({ identity: IdentityJson }), ...errorResponses },
});

export const deleteIdentity = defineRoute({
  method: 'DELETE',
  path: '/api/v1/identities/:identityId',
  auth: 'identity',
  tags: ['identities'],
  summary: 'Delete a machine identity and revoke everything it holds',
  params: Type.Object({ identityId: Uuid }),
  response: { 200: Type.Object({ identity: IdentityJson }), ...errorResponses },
});

export const getIdentity = defineRoute({
  method: 'GET',
  path: '/api/v1/identities/:identityId',
  auth: 'identity',
  tags: ['identities'],
  summary: 'Get a machine identity',
  params: Type.Object({ identityId: Uuid }),
  response: { 200: Type.Object({ identity: IdentityJson }), ...errorResponses },
});

export const updateIdentity = defineRoute({
  method: 'PATCH',
  path: '/api/v1/identities/:identityId',
  auth: 'identity',
  tags: ['identities'],
  summary: 'Change a machine identity’s role',
  params: Type.Object({ identityId: Uuid }),
  body: Type.Object({ role: IdentityRoleSchema }),
  response: { 200: Type.Object({ identity: IdentityJson }), ...errorResponses },
});

export const listIdentities = defineRoute({
  method: 'GET',
  path: '/api/v1/identities',
  auth: 'identity',
  tags: ['identities'],
  summary: "List the organization's identities (machines and people)",
  querystring: Type.Object({ organizationId: Uuid }),
  response: { 200: Type.Object({ identities: Type.Array(IdentityJson) }), ...errorResponses },
});
