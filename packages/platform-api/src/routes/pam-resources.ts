import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { ErrorResponseRef, errorResponses, Uuid } from '../schemas/common.ts';
import {
  PamConnectionDetailsJson,
  PamHttpConnectionDetailsJson,
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
 *        {name, resourceType:"http"|"kubernetes", gatewayId, connectionDetails:{url:"https://…",
 *         testPath? (http), sslRejectUnauthorized?, sslCertificate?}} → {resource}   (issue 16)
 *        testConnection?: true → the gateway checks the target first (infisical-connection-test:
 *         tcp connect, http GET of the url); 400 "… unreachable …" and nothing saved on failure
 *   GET  /api/v1/pam/resources (admin, auditor) → {resources:[…]}
 *   PATCH /api/v1/pam/resources/:resourceId (admin) {connectionDetails, testConnection?}
 *        → {resource}: replaces the target's settings (checked against its type, as at create);
 *        sessions opened from now on use them
 *   DELETE /api/v1/pam/resources/:resourceId (admin) → {resource}; 409 while it has accounts
 * The body's connectionDetails is one object holding either type's fields; the control plane
 * checks them against the resourceType (400 naming the field).
 */
/** One object holding either type's settings; checked against the resource type (400 naming the field). */
const ConnectionDetailsInput = Type.Object({
  ...PamSshConnectionDetailsJson.properties,
  ...PamConnectionDetailsJson.properties,
  host: Type.Optional(PamConnectionDetailsJson.properties.host),
  port: Type.Optional(PamConnectionDetailsJson.properties.port),
  database: Type.Optional(PamConnectionDetailsJson.properties.database),
  url: Type.Optional(PamHttpConnectionDetailsJson.properties.url),
  testPath: PamHttpConnectionDetailsJson.properties.testPath,
});

const ResourceParams = Type.Object({ resourceId: Uuid });

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
    connectionDetails: ConnectionDetailsInput,
    /**
     * Burrow's own: check the target through its gateway (infisical-connection-test) before
     * saving; a target the gateway cannot reach is refused (400 saying so).
     */
    testConnection: Type.Optional(Type.Boolean()),
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

export const updatePamResource = defineRoute({
  method: 'PATCH',
  path: '/api/v1/pam/resources/:resourceId',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Replace a PAM resource’s connection settings (new sessions only)',
  params: ResourceParams,
  body: Type.Object({
    connectionDetails: ConnectionDetailsInput,
    testConnection: Type.Optional(Type.Boolean()),
  }),
  response: { 200: Type.Object({ resource: PamResourceJson }), ...errorResponses },
});

export const deletePamResource = defineRoute({
  method: 'DELETE',
  path: '/api/v1/pam/resources/:resourceId',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Delete a PAM resource that has no accounts',
  params: ResourceParams,
  response: {
    200: Type.Object({ resource: PamResourceJson }),
    409: ErrorResponseRef,
    ...errorResponses,
  },
});
