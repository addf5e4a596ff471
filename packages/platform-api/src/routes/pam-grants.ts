import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { ErrorResponseRef, errorResponses, Uuid } from '../schemas/common.ts';

/**
 * PAM grants (Burrow; the reference decides PAM access by project roles and approval policies and
 * has no grant route of this shape). All admin only:
 *   POST   /api/v1/pam/grants {identityId, path}   → {grant}; 409 the identity has this grant
 *          path "prod/orders-db" = that account; "prod/" = every account in folder prod (and below)
 *   GET    /api/v1/pam/grants?identityId=…         → {grants:[…]} (the organization's, or one identity's)
 *   DELETE /api/v1/pam/grants/:grantId             → {grant} (as it was)
 * A member's `POST /api/v1/pam/accounts/access` needs a grant covering the account (403 without);
 * admins need none.
 */
export const PamGrantPath = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: '^[a-z0-9]([a-z0-9_-]*[a-z0-9])?(/[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*/?$',
  description: 'an account path ("prod/orders-db") or a folder path ending in "/" ("prod/")',
});

export const PamGrantJson = Type.Object({
  id: Type.String(),
  identityId: Type.String(),
  path: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

export const createPamGrant = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/grants',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Grant an identity PAM access to an account or a folder (admin)',
  body: Type.Object({ identityId: Uuid, path: PamGrantPath }),
  response: {
    200: Type.Object({ grant: PamGrantJson }),
    409: ErrorResponseRef,
    ...errorResponses,
  },
});

export const listPamGrants = defineRoute({
  method: 'GET',
  path: '/api/v1/pam/grants',
  auth: 'identity',
  tags: ['pam'],
  summary: 'PAM grants of the organization, or of one identity (admin)',
  querystring: Type.Object({ identityId: Type.Optional(Uuid) }),
  response: { 200: Type.Object({ grants: Type.Array(PamGrantJson) }), ...errorResponses },
});

export const deletePamGrant = defineRoute({
  method: 'DELETE',
  path: '/api/v1/pam/grants/:grantId',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Revoke a PAM grant (admin); open sessions run until they end',
  params: Type.Object({ grantId: Uuid }),
  response: { 200: Type.Object({ grant: PamGrantJson }), ...errorResponses },
});
