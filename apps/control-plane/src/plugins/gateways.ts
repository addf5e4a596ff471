import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { requireAdmin } from '../app/authorization.ts';
import { isoTime } from '../app/iso-time.ts';
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
import { declaredRoute } from './declared-route.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * Gateways (reference §5.2, §5.7; contract: @burrow/platform-api routes/gateways.ts): registration,
 * heartbeat, list, delete, a connection test through the gateway, and platform connection details
 * (5-minute certificates for one target, the reference's getPlatformConnectionDetailsByGatewayId).
 */
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
  app.route({
    ...declaredRoute(routes.registerGateway),
    handler: async (request) => {
      const identity = authenticate(context, request);
      const { gateway, credentials } = await registerGateway(context, identity, request.body);
      request.log.info(
        { gatewayId: gateway.id, gatewayName: gateway.name, relayId: gateway.relayId },
        'gateway registered',
      );
      return credentials;
    },
  });

  app.route({
    ...declaredRoute(routes.gatewayHeartbeat),
    handler: async (request) => {
      const identity = authenticate(context, request);
      const { gateway, heartbeatTTL } = await heartbeatGateway(
        context,
        identity,
        request.body.capabilities,
      );
      request.log.info({ gatewayId: gateway.id, heartbeatTTL }, 'gateway heartbeat');
      return { message: `Gateway ${gateway.name} is reachable`, heartbeatTTL };
    },
  });

  app.route({
    ...declaredRoute(routes.listGateways),
    handler: async (request) => {
      const identity = authenticate(context, request);
      const now = Date.now();
      return context.gateways.listLive(identity.orgId).map((g) => gatewayJson(context, g, now));
    },
  });

  app.route({
    ...declaredRoute(routes.deleteGateway),
    handler: async (request) => {
      const caller = authenticate(context, request);
      requireAdmin(caller);
      const gateway = gatewayOfOrg(context, caller, request.params.id);
      context.gateways.markDeleted(gateway.id);
      request.log.info({ gatewayId: gateway.id }, 'gateway deleted');
      return gatewayJson(context, gateway);
    },
  });

  app.route({
    ...declaredRoute(routes.testGatewayConnection),
    handler: async (request) => {
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
  });

  app.route({
    ...declaredRoute(routes.gatewayConnectionDetails),
    handler: async (request) => {
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
  });
};
