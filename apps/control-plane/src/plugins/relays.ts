import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { isoTime } from '../app/iso-time.ts';
import { verifyRelayAuthSecret } from '../services/relay-auth-secret.ts';
import {
  heartbeatRelay,
  registerInstanceRelay,
  registerOrgRelay,
} from '../services/relay-registration.ts';
import type { Relay } from '../stores/relay-store.ts';
import { declaredRoute } from './declared-route.ts';
import type { PluginOptions } from './plugin-options.ts';

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
    createdAt: isoTime(relay.createdAt) as string,
    updatedAt: isoTime(relay.updatedAt) as string,
  };
}

export const relaysPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { context }) => {
  app.route({
    ...declaredRoute(routes.registerOrgRelay),
    handler: async (request) => {
      const identity = authenticate(context, request);
      const { relay, credentials } = await registerOrgRelay(context, identity, request.body);
      request.log.info({ relayId: relay.id, relayName: relay.name }, 'org relay registered');
      return { relayId: relay.id, ...credentials };
    },
  });

  app.route({
    ...declaredRoute(routes.registerInstanceRelay),
    handler: async (request) => {
      verifyRelayAuthSecret(context.relayAuthSecret, request.headers.authorization);
      const { relay, credentials } = await registerInstanceRelay(context, request.body);
      request.log.info({ relayId: relay.id, relayName: relay.name }, 'instance relay registered');
      return { relayId: relay.id, ...credentials };
    },
  });

  app.route({
    ...declaredRoute(routes.heartbeatOrgRelay),
    handler: async (request) => {
      const identity = authenticate(context, request);
      const relay = context.relays.findOrgRelay(identity.orgId, request.body.name);
      const alive = await heartbeatRelay(context, relay, request.body.name);
      request.log.info({ relayId: alive.id }, 'relay heartbeat');
      return {
        message: `Relay ${alive.name} is reachable`,
        heartbeat: isoTime(alive.heartbeat) as string,
      };
    },
  });

  app.route({
    ...declaredRoute(routes.heartbeatInstanceRelay),
    handler: async (request) => {
      verifyRelayAuthSecret(context.relayAuthSecret, request.headers.authorization);
      const relay = context.relays.findInstanceRelay(request.body.name);
      const alive = await heartbeatRelay(context, relay, request.body.name);
      request.log.info({ relayId: alive.id }, 'relay heartbeat');
      return {
        message: `Relay ${alive.name} is reachable`,
        heartbeat: isoTime(alive.heartbeat) as string,
      };
    },
  });

  app.route({
    ...declaredRoute(routes.listRelays),
    handler: async (request) => {
      const identity = authenticate(context, request);
      return context.relays.listForOrg(identity.orgId).map(relayJson);
    },
  });
};
