import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { agentStatusFields } from '../schemas/agent-status.ts';
import { errorResponses, Slug, Uuid } from '../schemas/common.ts';

/**
 * Gateways (reference §5.2, §5.7, §8.4):
 *   POST   /api/v2/gateways {relayName, name}          register → {gatewayId, relayHost, pki, ssh}
 *   POST   /api/v2/gateways/heartbeat {capabilities?}  probe through the relay, then record
 *   GET    /api/v2/gateways                            list with heartbeat and health, and
 *          Burrow's version, certificatesExpireAt and relays (every relay that holds it)
 *   DELETE /api/v2/gateways/:id                        stop issuing certificates for it (admin)
 *   POST   /api/v2/gateways/:id/test-connection {targetHost, targetPort}
 *          → {reachable, roundTripMs, elapsedMs, error?} through an infisical-tcp-proxy tunnel
 *            (roundTripMs: the path's; elapsedMs: the wait, with settleMs for a silent target)
 *   POST   /api/v2/gateways/:id/connection-details {targetHost, targetPort}   (admin)
 *          → {relayHost, relay:{clientCertificate, clientPrivateKey, serverCertificateChain},
 *             gateway:{…same…}, relays?:[{relayHost, relay}]}: 5-minute platform certificates for
 *             that target, the reference's getPlatformConnectionDetailsByGatewayId as an API
 *   GET    /api/v2/gateways/pam-session-key (the gateway's identity)
 *          → raw 32 bytes, application/octet-stream; created once per gateway, sealed at rest
 */
/** A PEM or OpenSSH text the gateway cannot work without. */
const Credential = Type.String({ minLength: 1 });

export const GatewayRegistration = Type.Object({
  gatewayId: Type.String({ minLength: 1 }),
  relayHost: Type.String({
    minLength: 1,
    description: 'The relay’s host without a port: the reference gateway dials relayHost + ":2222"',
  }),
  relaySshPort: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 65535,
      description: 'Burrow extension: the relay’s SSH port, present only when it is not 2222',
    }),
  ),
  pki: Type.Object({
    serverCertificate: Credential,
    serverPrivateKey: Credential,
    clientCertificateChain: Credential,
  }),
  ssh: Type.Object({
    clientCertificate: Credential,
    clientPrivateKey: Credential,
    serverCAPublicKey: Credential,
  }),
});

const TargetFields = {
  targetHost: Type.String({ minLength: 1, maxLength: 253 }),
  targetPort: Type.Integer({ minimum: 1, maximum: 65535 }),
};

/** A client certificate for one hop, with the chain that hop's server presents. */
export const ClientTls = Type.Object({
  clientCertificate: Type.String(),
  clientPrivateKey: Type.String(),
  serverCertificateChain: Type.String(),
});

const RelaySummary = Type.Object({ id: Type.String(), name: Type.String(), host: Type.String() });

export const GatewayJson = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  identityId: Type.String(),
  name: Type.String(),
  relayId: Type.Union([Type.String(), Type.Null()]),
  relayName: Type.Union([Type.String(), Type.Null()]),
  relay: Type.Union([RelaySummary, Type.Null()]),
  relays: Type.Optional(
    Type.Array(RelaySummary, {
      description:
        'Burrow extension: every relay that holds the gateway (registered with in the last day), in the order callers try them',
    }),
  ),
  identity: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
  heartbeat: Type.Union([Type.String(), Type.Null()]),
  heartbeatTTL: Type.Union([Type.Integer(), Type.Null()]),
  isHealthy: Type.Boolean(),
  capabilities: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  ...agentStatusFields('gateway'),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const ConnectionDetails = Type.Object({
  relayHost: Type.String(),
  relay: ClientTls,
  gateway: ClientTls,
  relays: Type.Optional(
    Type.Array(Type.Object({ relayHost: Type.String(), relay: ClientTls }), {
      description:
        'Every relay that holds the gateway, in the order to try them (Burrow HA); the first is relayHost/relay',
    }),
  ),
});

const GatewayParams = Type.Object({ id: Uuid });

export const registerGateway = defineRoute({
  method: 'POST',
  path: '/api/v2/gateways',
  auth: 'identity',
  tags: ['gateways'],
  summary: 'Register (or re-register) the calling identity’s gateway',
  body: Type.Object({ relayName: Slug, name: Slug }),
  response: { 200: GatewayRegistration, ...errorResponses },
});

export const gatewayHeartbeat = defineRoute({
  method: 'POST',
  path: '/api/v2/gateways/heartbeat',
  auth: 'identity',
  tags: ['gateways'],
  summary: 'Gateway heartbeat: probe the gateway through its relay, then record it',
  body: Type.Object({
    capabilities: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
  response: {
    200: Type.Object({ message: Type.String(), heartbeatTTL: Type.Integer() }),
    ...errorResponses,
  },
});

export const listGateways = defineRoute({
  method: 'GET',
  path: '/api/v2/gateways',
  auth: 'identity',
  tags: ['gateways'],
  summary: 'Gateways of the caller’s organization',
  response: { 200: Type.Array(GatewayJson), ...errorResponses },
});

export const deleteGateway = defineRoute({
  method: 'DELETE',
  path: '/api/v2/gateways/:id',
  auth: 'identity',
  tags: ['gateways'],
  summary: 'Delete a gateway: no new certificates, its live tunnels closed within seconds',
  params: GatewayParams,
  response: { 200: GatewayJson, ...errorResponses },
});

export const testGatewayConnection = defineRoute({
  method: 'POST',
  path: '/api/v2/gateways/:id/test-connection',
  auth: 'identity',
  tags: ['gateways'],
  summary: 'Can the gateway reach targetHost:targetPort? (infisical-tcp-proxy tunnel)',
  params: GatewayParams,
  body: Type.Object({
    ...TargetFields,
    settleMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 15_000,
        description: 'how long an open, silent tunnel is watched (default 1500)',
      }),
    ),
  }),
  response: {
    200: Type.Object({
      reachable: Type.Boolean(),
      roundTripMs: Type.Number({
        description:
          'through relay and gateway: until the tunnel was open, the target sent its first byte, or the gateway closed',
      }),
      elapsedMs: Type.Number({
        description: 'what the request waited, including the settle window for a silent target',
      }),
      error: Type.Optional(Type.String()),
    }),
    ...errorResponses,
  },
});

export const gatewayConnectionDetails = defineRoute({
  method: 'POST',
  path: '/api/v2/gateways/:id/connection-details',
  auth: 'identity',
  tags: ['gateways'],
  summary: 'Mint 5-minute platform certificates to reach a target through the gateway',
  params: GatewayParams,
  body: Type.Object(TargetFields),
  response: { 200: ConnectionDetails, ...errorResponses },
});

/** Length of the PAM session key: AES-256. */
export const PAM_SESSION_KEY_BYTES = 32;

export const gatewayPamSessionKey = defineRoute({
  method: 'GET',
  path: '/api/v2/gateways/pam-session-key',
  auth: 'identity',
  tags: ['gateways'],
  summary: 'The calling gateway’s key for its local PAM recordings (32 raw bytes)',
  response: { ...errorResponses },
  responseType: 'bytes',
});
