import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { requireAdmin } from '../app/authorization.ts';
import { bearerAuth, errorResponses, isoTime, Slug, Uuid } from '../app/common-schemas.ts';
import type { ControlPlaneContext } from '../app/control-plane-context.ts';
import { notFound } from '../app/http-error.ts';
import { relayHostForClients } from '../services/gateway-credentials.ts';
import {
  heartbeatGateway,
  isGatewayHealthy,
  registerGateway,
} from '../services/gateway-registration.ts';
import { testTargetConnection } from '../services/target-connection-test.ts';
import type { Gateway } from '../stores/gateway-store.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * Gateways (reference §5.2, §5.7):
 *   POST   /api/v2/gateways {relayName, name}          register → {gatewayId, relayHost, pki, ssh}
 *   POST   /api/v2/gateways/heartbeat {capabilities?}  probe through the relay, then record
 *   GET    /api/v2/gateways                            list with heartbeat and health
 *   DELETE /api/v2/gateways/:id                        stop issuing certificates for it (admin)
 *   POST   /api/v2/gateways/:id/test-connection {targetHost, targetPort}
 *          → {reachable, roundTripMs, error?} through an infisical-tcp-proxy tunnel
 *   POST   /api/v2/gateways/:id/connection-details {targetHost, targetPort}   (admin)
 *          → {relayHost, relay:{clientCertificate, clientPrivateKey, serverCertificateChain},
 *             gateway:{…same…}}: 5-minute platform certificates for that target, the reference's
 *             getPlatformConnectionDetailsByGatewayId as an API for tools and tests
 */
const RegisterResponse = Type.Object({
  gatewayId: Type.String(),
  relayHost: Type.String(),
  relaySshPort: Type.Optional(Type.Integer()),
  pki: Type.Object({
    serverCertificate: Type.String(),
    serverPrivateKey: Type.String(),
    clientCertificateChain: Type.String(),
  }),
  ssh: Type.Object({
    clientCertificate: Type.String(),
    clientPrivateKey: Type.String(),
    serverCAPublicKey: Type.String(),
  }),
});

const TargetBody = {
  targetHost: Type.String({ minLength: 1, maxLength: 253 }),
  targetPort: Type.Integer({ minimum: 1, maximum: 65535 }),
};

const ClientTls = Type.Object({
  clientCertificate: Type.String(),
  clientPrivateKey: Type.String(),
  serverCertificateChain: Type.String(),
});

const GatewayJson = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  identityId: Type.String(),
  name: Type.String(),
  relayId: Type.Union([Type.String(), Type.Null()]),
  relayName: Type.Union([Type.String(), Type.Null()]),
  relay: Type.Union([
    Type.Object({ id: Type.String(), name: Type.String(), host: Type.String() }),
    Type.Null(),
  ]),
  identity: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
  heartbeat: Type.Union([Type.String(), Type.Null()]),
  heartbeatTTL: Type.Union([Type.Integer(), Type.Null()]),
  isHealthy: Type.Boolean(),
  capabilities: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

function gatewayJson(context: ControlPlaneContext, gateway: Gateway, now = Date.now()) {
  const relay = gateway.relayId ? context.relays.get(gateway.relayId) : undefined;
  const identity = context.identities.get(gateway.identityId);
  return {
    id: gateway.id,
    orgId: gateway.orgId,
    identityId: gateway.identityId,
    name: gateway.name,
    relayId: gateway.relayId,
    relayName: relay?.name ?? null,
    relay: relay ? { id: relay.id, name: relay.name, host: relay.host } : null,
    identity: identity ? { id: identity.id, name: identity.name } : null,
    heartbeat: isoTime(gateway.heartbeat),
    heartbeatTTL: gateway.heartbeatTTL,
    isHealthy: isGatewayHealthy(gateway, now),
    capabilities: gateway.capabilities,
    createdAt: isoTime(gateway.createdAt) as string,
    updatedAt: isoTime(gateway.updatedAt) as string,
  };
}

function gatewayOfOrg(context: ControlPlaneContext, caller: Identity, id: string): Gateway {
  const gateway = context.gateways.get(id);
  if (!gateway || gateway.orgId !== caller.orgId || gateway.deletedAt !== null) {
    throw notFound(`Gateway ${id} not found`);
  }
  return gateway;
}

export const gatewaysPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.post(
    '/api/v2/gateways',
    {
      schema: {
        tags: ['gateways'],
        summary: 'Register (or re-register) the calling identity’s gateway',
        security: bearerAuth,
        body: Type.Object({ relayName: Slug, name: Slug }),
        response: { 200: RegisterResponse, ...errorResponses },
      },
    },
    async (request) => {
      const identity = authenticate(context, request);
      const { gateway, credentials } = await registerGateway(context, identity, request.body);
      request.log.info(
        { gatewayId: gateway.id, gatewayName: gateway.name, relayId: gateway.relayId },
        'gateway registered',
      );
      return credentials;
    },
  );

  app.post(
    '/api/v2/gateways/heartbeat',
    {
      schema: {
        tags: ['gateways'],
        summary: 'Gateway heartbeat: probe the gateway through its relay, then record it',
        security: bearerAuth,
        body: Type.Object({
          capabilities: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
        response: {
          200: Type.Object({ message: Type.String(), heartbeatTTL: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const identity = authenticate(context, request);
      const { gateway, heartbeatTTL } = await heartbeatGateway(
        context,
        identity,
        request.body.capabilities,
      );
      request.log.info({ gatewayId: gateway.id, heartbeatTTL }, 'gateway heartbeat');
      return { message: `Gateway ${gateway.name} is reachable`, heartbeatTTL };
    },
  );

  app.get(
    '/api/v2/gateways',
    {
      schema: {
        tags: ['gateways'],
        summary: 'Gateways of the caller’s organization',
        security: bearerAuth,
        response: { 200: Type.Array(GatewayJson), ...errorResponses },
      },
    },
    async (request) => {
      const identity = authenticate(context, request);
      const now = Date.now();
      return context.gateways.listLive(identity.orgId).map((g) => gatewayJson(context, g, now));
    },
  );

  app.delete(
    '/api/v2/gateways/:id',
    {
      schema: {
        tags: ['gateways'],
        summary: 'Delete a gateway: no new certificates are issued for it',
        security: bearerAuth,
        params: Type.Object({ id: Uuid }),
        response: { 200: GatewayJson, ...errorResponses },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      requireAdmin(caller);
      const gateway = gatewayOfOrg(context, caller, request.params.id);
      context.gateways.markDeleted(gateway.id);
      request.log.info({ gatewayId: gateway.id }, 'gateway deleted');
      return gatewayJson(context, gateway);
    },
  );

  app.post(
    '/api/v2/gateways/:id/test-connection',
    {
      schema: {
        tags: ['gateways'],
        summary: 'Can the gateway reach targetHost:targetPort? (infisical-tcp-proxy tunnel)',
        security: bearerAuth,
        params: Type.Object({ id: Uuid }),
        body: Type.Object({
          ...TargetBody,
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
            roundTripMs: Type.Number(),
            error: Type.Optional(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      const gateway = gatewayOfOrg(context, caller, request.params.id);
      const { targetHost, targetPort, settleMs } = request.body;
      const result = await testTargetConnection(
        context.tunnel,
        gateway.id,
        { targetHost, targetPort },
        settleMs,
      );
      request.log.info(
        { gatewayId: gateway.id, targetHost, targetPort, ...result },
        'connection test',
      );
      return result;
    },
  );

  app.post(
    '/api/v2/gateways/:id/connection-details',
    {
      schema: {
        tags: ['gateways'],
        summary: 'Mint 5-minute platform certificates to reach a target through the gateway',
        security: bearerAuth,
        params: Type.Object({ id: Uuid }),
        body: Type.Object(TargetBody),
        response: {
          200: Type.Object({
            relayHost: Type.String(),
            relay: ClientTls,
            gateway: ClientTls,
            relays: Type.Optional(
              Type.Array(Type.Object({ relayHost: Type.String(), relay: ClientTls }), {
                description:
                  'Every relay that holds the gateway, in the order to try them (Burrow HA); the first is relayHost/relay',
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      requireAdmin(caller);
      const gateway = gatewayOfOrg(context, caller, request.params.id);
      const { relay, credentials, routes } = await context.tunnel.prepare(gateway.id, request.body);
      request.log.info(
        {
          gatewayId: gateway.id,
          targetHost: request.body.targetHost,
          targetPort: request.body.targetPort,
        },
        'platform connection details issued',
      );
      const tlsJson = (c: {
        certificate: string;
        privateKey: string;
        serverCertificateChain: string;
      }) => ({
        clientCertificate: c.certificate,
        clientPrivateKey: c.privateKey,
        serverCertificateChain: c.serverCertificateChain,
      });
      return {
        relayHost: relayHostForClients(relay),
        relay: tlsJson(credentials.relay),
        gateway: tlsJson(credentials.gateway),
        relays: routes.map((route) => ({
          relayHost: relayHostForClients(route.relay),
          relay: tlsJson(route.credentials.relay),
        })),
      };
    },
  );
};
