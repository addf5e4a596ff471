import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RelayService } from '../services/relay-service.ts';
import type { Revocation } from '../services/revocation.ts';
import type { Relay } from '../stores/relay-store.ts';
import { agentVersionOf } from './agent-version.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';

/**
 * Relays (reference §3.2, §3.5, §5.8; contract: @burrow/platform-api routes/relays.ts): org and
 * instance relay registration and heartbeats, and the list of relays an identity may use.
 */
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
    version: relay.version,
    certificatesExpireAt: isoTime(relay.certificatesExpireAt),
    createdAt: isoTime(relay.createdAt) as string,
    updatedAt: isoTime(relay.updatedAt) as string,
  };
}

/** A relay heartbeat's answer (org, instance and enrolled relays alike). */
export function relayHeartbeatJson(relay: Relay) {
  return {
    message: `Relay ${relay.name} is reachable`,
    heartbeat: isoTime(relay.heartbeat) as string,
  };
}

export interface RelaysOptions {
  authenticate: Authenticate;
  relays: RelayService;
  revocation: Revocation;
}

export const relaysPlugin: FastifyPluginAsyncTypebox<RelaysOptions> = async (
  app,
  { authenticate, relays, revocation },
) => {
  app.route({
    ...declaredRoute(routes.registerOrgRelay),
    handler: async (request) => {
      const { relay, credentials } = await relays.registerOrgRelay(
        authenticate(request),
        request.body,
        agentVersionOf(request),
      );
      request.log.info({ relayId: relay.id, relayName: relay.name }, 'org relay registered');
      return { relayId: relay.id, ...credentials };
    },
  });

  app.route({
    ...declaredRoute(routes.registerInstanceRelay),
    handler: async (request) => {
      const { relay, credentials } = await relays.registerInstanceRelay(
        request.headers.authorization,
        request.body,
        agentVersionOf(request),
      );
      request.log.info({ relayId: relay.id, relayName: relay.name }, 'instance relay registered');
      return { relayId: relay.id, ...credentials };
    },
  });

  app.route({
    ...declaredRoute(routes.heartbeatOrgRelay),
    handler: async (request) => {
      const alive = await relays.heartbeatOrgRelay(
        authenticate(request),
        request.body.name,
        agentVersionOf(request),
      );
      request.log.info({ relayId: alive.id }, 'relay heartbeat');
      return relayHeartbeatJson(alive);
    },
  });

  app.route({
    ...declaredRoute(routes.heartbeatInstanceRelay),
    handler: async (request) => {
      const alive = await relays.heartbeatInstanceRelay(
        request.headers.authorization,
        request.body.name,
        agentVersionOf(request),
      );
      request.log.info({ relayId: alive.id }, 'relay heartbeat');
      return relayHeartbeatJson(alive);
    },
  });

  app.route({
    ...declaredRoute(routes.deleteRelay),
    handler: async (request) => {
      const relay = await revocation.deleteRelay(
        authenticate(request),
        request.params.id,
        request.log,
      );
      request.log.info({ relayId: relay.id, relayName: relay.name }, 'relay deleted');
      return relayJson(relay);
    },
  });

  app.route({
    ...declaredRoute(routes.listRelays),
    handler: async (request) => relays.listFor(authenticate(request)).map(relayJson),
  });
};
