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
      host: Type.Optional(PamConnectionDetailsJson.properties.host),
      port: Type.Optional(PamConnectionDetailsJson.properties.port),
      database: Type.Optional(PamConnectionDetailsJson.properties.database),
      url: Type.Optional(PamHttpConnectionDetailsJson.properties.url),
      testPath: PamHttpConnectionDetailsJson.properties.testPath,
    }),
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
