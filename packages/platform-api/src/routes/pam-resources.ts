import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { ErrorResponseRef, errorResponses, Uuid } from '../schemas/common.ts';
import {
  PamConnectionDetailsJson,
  PamName,
  PamResourceJson,
  PamResourceType,
  PamSshConnectionDetailsJson,
} from '../schemas/pam.ts';

/**
 * PAM resources:
 *   POST /api/v1/pam/resources (admin)
 *        {name, resourceType:"postgres", gatewayId, connectionDetails:{host, port, database,
 *         sslEnabled?, sslRejectUnauthorized?, sslCertificate?}} → {resource}; 409 name taken
 *        {name, resourceType:"ssh", gatewayId, connectionDetails:{host, port, hostKeys?:[…],
 *         hostCertificateAuthorities?:[…]}} → {resource}; at least one of hostKeys /
 *         hostCertificateAuthorities, every entry an OpenSSH public key line (400 otherwise)
 *   GET  /api/v1/pam/resources (admin, auditor) → {resources:[…]}
 * The body's connectionDetails is one object holding either type's fields; the control plane
 * checks them against the resourceType (400 naming the field).
 */
export const createPamResource = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/resources',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Create a PAM resource: a target reached through a gateway',
  body: Type.Object({
    name: PamName,
    resourceType: PamResourceType,
    gatewayId: Uuid,
    connectionDetails: Type.Object({
      ...PamSshConnectionDetailsJson.properties,
      ...PamConnectionDetailsJson.properties,
      database: Type.Optional(PamConnectionDetailsJson.properties.database),
    }),
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
