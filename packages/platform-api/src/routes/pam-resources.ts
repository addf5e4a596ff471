import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { ErrorResponseRef, errorResponses, Uuid } from '../schemas/common.ts';
import { PamConnectionDetailsJson, PamName, PamResourceJson } from '../schemas/pam.ts';

/**
 * PAM resources:
 *   POST /api/v1/pam/resources (admin)
 *        {name, resourceType:"postgres", gatewayId, connectionDetails:{host, port, database,
 *         sslEnabled?, sslRejectUnauthorized?, sslCertificate?}} → {resource}; 409 name taken
 *   GET  /api/v1/pam/resources (admin, auditor) → {resources:[…]}
 */
export const createPamResource = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/resources',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Create a PAM resource: a target reached through a gateway',
  body: Type.Object({
    name: PamName,
    resourceType: Type.Literal('postgres'),
    gatewayId: Uuid,
    connectionDetails: PamConnectionDetailsJson,
  }),
  response: {
    200: Type.Object({ resource: PamResourceJson }),
    409: ErrorResponseRef,
    ...errorResponses,
  },
});

export const listPamResources = defineRoute({
  method: 'GET',
  path: '/api/v1/pam/resources',
  auth: 'identity',
  tags: ['pam'],
  summary: 'PAM resources of the caller’s organization',
  response: {
    200: Type.Object({ resources: Type.Array(PamResourceJson) }),
    ...errorResponses,
  },
});
