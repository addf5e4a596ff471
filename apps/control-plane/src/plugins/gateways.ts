import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CallerCredentials } from '../services/caller-credentials.ts';
import { relayHostForClients } from '../services/gateway-credentials.ts';
import {
  isGatewayHealthy,
  type GatewayService,
  type GatewayView,
} from '../services/gateway-service.ts';
import type { Revocation } from '../services/revocation.ts';
import type { Relay } from '../stores/relay-store.ts';
import { agentVersionOf } from './agent-version.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';

/**
 * Gateways (reference §5.2, §5.7; contract: @burrow/platform-api routes/gateways.ts): registration,
 * heartbeat, list, delete, a connection test through the gateway, and platform connection details
 * (5-minute certificates for one target, the reference's getPlatformConnectionDetailsByGatewayId).
 */
function gatewayJson({ gateway, relay, holdingRelays, identity }: GatewayView, now = Date.now()) {
  return {
    id: gateway.id,
    orgId: gateway.orgId,
    identityId: gateway.identityId,
    name: gateway.name,
    relayId: gateway.relayId,
    relayName: relay?.name ?? null,
    relay: relay ? relaySummary(relay) : null,
    relays: holdingRelays.map(relaySummary),
    identity: identity ? { id: identity.id, name: identity.name } : null,
    heartbeat: isoTime(gateway.heartbeat),
    heartbeatTTL: gateway.heartbeatTTL,
    isHealthy: isGatewayHealthy(gateway, now),
    capabilities: gateway.capabilities,
    version: gateway.version,
    certificatesExpireAt: isoTime(gateway.certificatesExpireAt),
    createdAt: isoTime(gateway.createdAt) as string,
    updatedAt: isoTime(gateway.updatedAt) as string,
  };
}

function relaySummary(relay: Relay) {
  return { id: relay.id, name: relay.name, host: relay.host };
}

function tlsJson(credentials: CallerCredentials['relay']) {
  return {
    clientCertificate: credentials.certificate,
    clientPrivateKey: credentials.privateKey,
    serverCertificateChain: credentials.serverCertificateChain,
  };
}

export interface GatewaysOptions {
  authenticate: Authenticate;
  gateways: GatewayService;
  revocation: Revocation;
}

export const gatewaysPlugin: FastifyPluginAsyncTypebox<GatewaysOptions> = async (
  app,
  { authenticate, gateways, revocation },
) => {
  app.route({
    ...declaredRoute(routes.registerGateway),
    handler: async (request) => {
      const { gateway, credentials } = await gateways.register(
        authenticate(request),
        request.body,
        agentVersionOf(request),
      );
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
      const { gateway, heartbeatTTL } = await gateways.heartbeat(
        authenticate(request),
        request.body.capabilities,
        agentVersionOf(request),
      );
      request.log.info({ gatewayId: gateway.id, heartbeatTTL }, 'gateway heartbeat');
      return { message: `Gateway ${gateway.name} is reachable`, heartbeatTTL };
    },
  });

  app.route({
    ...declaredRoute(routes.listGateways),
    handler: async (request) => {
      const now = Date.now();
      return gateways.list(authenticate(request)).map((view) => gatewayJson(view, now));
    },
  });

  app.route({
    ...declaredRoute(routes.deleteGateway),
    handler: async (request) => {
      const gateway = await revocation.deleteGateway(
        authenticate(request),
        request.params.id,
        request.log,
      );
      request.log.info({ gatewayId: gateway.id }, 'gateway deleted');
      return gatewayJson(gateways.view(gateway));
    },
  });

  app.route({
    ...declaredRoute(routes.testGatewayConnection),
    handler: async (request) => {
      const { targetHost, targetPort, settleMs } = request.body;
      const { gateway, result, detail } = await gateways.testConnection(
        authenticate(request),
        request.params.id,
        { targetHost, targetPort },
        settleMs,
      );
      request.log.info(
        { gatewayId: gateway.id, targetHost, targetPort, ...result, ...(detail ? { detail } : {}) },
        'connection test',
      );
      return result;
    },
  });

  app.route({
    ...declaredRoute(routes.gatewayConnectionDetails),
    handler: async (request) => {
      const { gateway, relay, credentials, routes } = await gateways.connectionDetails(
        authenticate(request),
        request.params.id,
        request.body,
      );
      request.log.info(
        {
          gatewayId: gateway.id,
          targetHost: request.body.targetHost,
          targetPort: request.body.targetPort,
        },
        'platform connection details issued',
      );
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
