import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { bearerAuth, errorResponses, isoTime, Slug } from '../app/common-schemas.ts';
import { verifyRelayAuthSecret } from '../services/relay-auth-secret.ts';
import {
  heartbeatRelay,
  registerInstanceRelay,
  registerOrgRelay,
} from '../services/relay-registration.ts';
import type { Relay } from '../stores/relay-store.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * Relays (reference §3.2, §3.5, §5.8):
 *   POST /api/v1/relays/register-org-relay        {host, name, sshPort?, tlsPort?}  identity token
 *   POST /api/v1/relays/register-instance-relay   same body                          Bearer RELAY_AUTH_SECRET
 *        → {pki:{serverCertificate, serverPrivateKey, clientCertificateChain},
 *           ssh:{serverCertificate, serverPrivateKey, clientCAPublicKey}}
 *   POST /api/v1/relays/heartbeat-org-relay       {name}  identity token
 *   POST /api/v1/relays/heartbeat-instance-relay  {name}  Bearer RELAY_AUTH_SECRET
 *        → the control plane completes a TLS handshake with host:tlsPort, then records it;
 *          failure → 400 "Relay <name> is not reachable: ..."
 *   GET  /api/v1/relays                            the caller's org relays + instance relays
 * `sshPort`/`tlsPort` (default 2222/8443) are Burrow's extension.
 */
const Port = Type.Integer({ minimum: 1, maximum: 65535 });

const RegisterBody = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 253 }),
  name: Slug,
  sshPort: Type.Optional(Port),
  tlsPort: Type.Optional(Port),
});

const RegisterResponse = Type.Object({
  relayId: Type.String(),
  pki: Type.Object({
    serverCertificate: Type.String(),
    serverPrivateKey: Type.String(),
    clientCertificateChain: Type.String(),
  }),
  ssh: Type.Object({
    serverCertificate: Type.String(),
    serverPrivateKey: Type.String(),
    clientCAPublicKey: Type.String(),
  }),
});

const RelayJson = Type.Object({
  id: Type.String(),
  orgId: Type.Union([Type.String(), Type.Null()]),
  identityId: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  host: Type.String(),
  sshPort: Type.Integer(),
  tlsPort: Type.Integer(),
  heartbeat: Type.Union([Type.String(), Type.Null()]),
  healthAlertedAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const HeartbeatResponse = Type.Object({ message: Type.String(), heartbeat: Type.String() });

export function relayJson(relay: Relay) {
  return {
    id: relay.id,
    orgId: relay.orgId,
    identityId: relay.identityId,
    name: relay.name,
    host: relay.host,
    sshPort: relay.sshPort,
    tlsPort: relay.tlsPort,
    heartbeat: isoTime(relay.heartbeat),
    healthAlertedAt: isoTime(relay.healthAlertedAt),
    createdAt: isoTime(relay.createdAt) as string,
    updatedAt: isoTime(relay.updatedAt) as string,
  };
}

export const relaysPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { context }) => {
  app.post(
    '/api/v1/relays/register-org-relay',
    {
      schema: {
        tags: ['relays'],
        summary: 'Register (or re-register) the calling identity’s org relay',
        security: bearerAuth,
        body: RegisterBody,
        response: { 200: RegisterResponse, ...errorResponses },
      },
    },
    async (request) => {
      const identity = authenticate(context, request);
      const { relay, credentials } = await registerOrgRelay(context, identity, request.body);
      request.log.info({ relayId: relay.id, relayName: relay.name }, 'org relay registered');
      return { relayId: relay.id, ...credentials };
    },
  );

  app.post(
    '/api/v1/relays/register-instance-relay',
    {
      schema: {
        tags: ['relays'],
        summary: 'Register (or re-register) an instance relay',
        security: [{ relayAuthSecret: [] }],
        body: RegisterBody,
        response: { 200: RegisterResponse, ...errorResponses },
      },
    },
    async (request) => {
      verifyRelayAuthSecret(context.relayAuthSecret, request.headers.authorization);
      const { relay, credentials } = await registerInstanceRelay(context, request.body);
      request.log.info({ relayId: relay.id, relayName: relay.name }, 'instance relay registered');
      return { relayId: relay.id, ...credentials };
    },
  );

  app.post(
    '/api/v1/relays/heartbeat-org-relay',
    {
      schema: {
        tags: ['relays'],
        summary: 'Org relay heartbeat: probe the relay, then record it',
        security: bearerAuth,
        body: Type.Object({ name: Slug }),
        response: { 200: HeartbeatResponse, ...errorResponses },
      },
    },
    async (request) => {
      const identity = authenticate(context, request);
      const relay = context.relays.findOrgRelay(identity.orgId, request.body.name);
      const alive = await heartbeatRelay(context, relay, request.body.name);
      request.log.info({ relayId: alive.id }, 'relay heartbeat');
      return {
        message: `Relay ${alive.name} is reachable`,
        heartbeat: isoTime(alive.heartbeat) as string,
      };
    },
  );

  app.post(
    '/api/v1/relays/heartbeat-instance-relay',
    {
      schema: {
        tags: ['relays'],
        summary: 'Instance relay heartbeat: probe the relay, then record it',
        security: [{ relayAuthSecret: [] }],
        body: Type.Object({ name: Slug }),
        response: { 200: HeartbeatResponse, ...errorResponses },
      },
    },
    async (request) => {
      verifyRelayAuthSecret(context.relayAuthSecret, request.headers.authorization);
      const relay = context.relays.findInstanceRelay(request.body.name);
      const alive = await heartbeatRelay(context, relay, request.body.name);
      request.log.info({ relayId: alive.id }, 'relay heartbeat');
      return {
        message: `Relay ${alive.name} is reachable`,
        heartbeat: isoTime(alive.heartbeat) as string,
      };
    },
  );

  app.get(
    '/api/v1/relays',
    {
      schema: {
        tags: ['relays'],
        summary: 'Relays the caller may use: its org relays, then instance relays',
        security: bearerAuth,
        response: { 200: Type.Array(RelayJson), ...errorResponses },
      },
    },
    async (request) => {
      const identity = authenticate(context, request);
      return context.relays.listForOrg(identity.orgId).map(relayJson);
    },
  );
};
