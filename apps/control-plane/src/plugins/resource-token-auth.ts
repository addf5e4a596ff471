import { routes } from '@burrow/platform-api';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InvalidRequestError, TooManyAttemptsError } from '../domain/errors.ts';
import type { GatewayService } from '../services/gateway-service.ts';
import type { RelayService } from '../services/relay-service.ts';
import type { ResourceTokenAuth } from '../services/resource-token-auth.ts';
import type { Gateway } from '../stores/gateway-store.ts';
import { agentVersionOf } from './agent-version.ts';
import { resourceOf, type Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';
import { relayHeartbeatJson, relayJson } from './relays.ts';

/**
 * Enrolled gateways and relays (reference §3.2, §3.5, §5.1, §5.2; contract:
 * @burrow/platform-api routes/resource-token-auth.ts): admin creation, enrollment tokens,
 * enroll/login (10 a minute per address, as the reference), and connect/heartbeat with the
 * resource access token.
 */
const LOGIN_RATE_LIMIT = { max: 10, timeWindow: 60_000 };
const TOKEN_AUTH = { method: 'token' as const, config: {} };

export interface ResourceTokenAuthOptions {
  authenticate: Authenticate;
  resourceTokens: ResourceTokenAuth;
  gateways: GatewayService;
  relays: RelayService;
}

function refuseAws(method: string): void {
  if (method === 'aws') {
    throw new InvalidRequestError(
      'The aws auth method of gateways and relays is not built in Burrow; use method "token"',
    );
  }
}

export const resourceTokenAuthPlugin: FastifyPluginAsyncTypebox<ResourceTokenAuthOptions> = async (
  app,
  { authenticate, resourceTokens, gateways, relays },
) => {
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new TooManyAttemptsError(
        `Too many enrollment attempts from this address; try again in ${context.after}`,
      ),
  });

  const enrolledGatewayJson = (gateway: Gateway) => ({
    id: gateway.id,
    orgId: gateway.orgId,
    identityId: gateway.identityId,
    name: gateway.name,
    relayId: gateway.relayId,
    heartbeat: isoTime(gateway.heartbeat),
    createdAt: isoTime(gateway.createdAt) as string,
    updatedAt: isoTime(gateway.updatedAt) as string,
    authMethod: TOKEN_AUTH,
  });

  app.route({
    ...declaredRoute(routes.createEnrolledGateway),
    handler: async (request) => {
      refuseAws(request.body.authMethod.method);
      const gateway = resourceTokens.createGateway(authenticate(request), request.body.name);
      request.log.info({ gatewayId: gateway.id, gatewayName: gateway.name }, 'gateway created');
      return enrolledGatewayJson(gateway);
    },
  });

  app.route({
    ...declaredRoute(routes.generateGatewayEnrollmentToken),
    handler: async (request) => {
      const { gatewayId } = request.params;
      const minted = resourceTokens.mintEnrollmentToken(
        authenticate(request),
        'gateway',
        gatewayId,
      );
      request.log.info({ gatewayId }, 'gateway enrollment token minted');
      return { token: minted.token, expiresAt: isoTime(minted.expiresAt) as string };
    },
  });

  app.route({
    ...declaredRoute(routes.revokeGatewayAccess),
    handler: async (request) => {
      const { gatewayId } = request.params;
      resourceTokens.revoke(authenticate(request), 'gateway', gatewayId);
      request.log.info({ gatewayId }, 'gateway access revoked');
      return { method: 'token' };
    },
  });

  app.route({
    ...declaredRoute(routes.enrollGateway),
    config: { rateLimit: LOGIN_RATE_LIMIT },
    handler: async (request) => {
      const { accessToken, resourceId } = resourceTokens.enroll('gateway', request.body.token);
      request.log.info({ gatewayId: resourceId }, 'gateway enrolled');
      return { accessToken, gatewayId: resourceId, tokenType: 'Bearer' as const };
    },
  });

  app.route({
    ...declaredRoute(routes.connectGateway),
    handler: async (request) => {
      const { identity } = resourceOf(authenticate, request, 'gateway');
      const { gateway, credentials } = await gateways.connectEnrolled(
        identity,
        request.body.relayName,
        agentVersionOf(request),
      );
      request.log.info(
        { gatewayId: gateway.id, gatewayName: gateway.name, relayId: gateway.relayId },
        'enrolled gateway connected',
      );
      return credentials;
    },
  });

  app.route({
    ...declaredRoute(routes.createEnrolledRelay),
    handler: async (request) => {
      const { authMethod, ...address } = request.body;
      refuseAws(authMethod.method);
      const relay = resourceTokens.createRelay(authenticate(request), address);
      request.log.info({ relayId: relay.id, relayName: relay.name }, 'relay created');
      return { ...relayJson(relay), authMethod: TOKEN_AUTH };
    },
  });

  app.route({
    ...declaredRoute(routes.generateRelayEnrollmentToken),
    handler: async (request) => {
      const { relayId } = request.params;
      const minted = resourceTokens.mintEnrollmentToken(authenticate(request), 'relay', relayId);
      request.log.info({ relayId }, 'relay enrollment token minted');
      return { token: minted.token, expiresAt: isoTime(minted.expiresAt) as string };
    },
  });

  app.route({
    ...declaredRoute(routes.revokeRelayAccess),
    handler: async (request) => {
      const { relayId } = request.params;
      resourceTokens.revoke(authenticate(request), 'relay', relayId);
      request.log.info({ relayId }, 'relay access revoked');
      return { method: 'token' };
    },
  });

  app.route({
    ...declaredRoute(routes.relayLogin),
    config: { rateLimit: LOGIN_RATE_LIMIT },
    handler: async (request) => {
      refuseAws(request.body.method);
      const { token } = request.body as { token: string };
      const { accessToken, resourceId } = resourceTokens.enroll('relay', token);
      request.log.info({ relayId: resourceId }, 'relay enrolled');
      return { accessToken, relayId: resourceId, tokenType: 'Bearer' as const };
    },
  });

  app.route({
    ...declaredRoute(routes.connectRelay),
    handler: async (request) => {
      const { identity, resourceId } = resourceOf(authenticate, request, 'relay');
      const { relay, credentials } = await relays.connectEnrolledRelay(
        identity,
        resourceId,
        request.body,
        agentVersionOf(request),
      );
      request.log.info({ relayId: relay.id, relayName: relay.name }, 'enrolled relay connected');
      return { relayId: relay.id, ...credentials };
    },
  });

  app.route({
    ...declaredRoute(routes.relayHeartbeat),
    handler: async (request) => {
      const { identity, resourceId } = resourceOf(authenticate, request, 'relay');
      const alive = await relays.heartbeatEnrolledRelay(
        identity,
        resourceId,
        agentVersionOf(request),
      );
      request.log.info({ relayId: alive.id }, 'relay heartbeat');
      return relayHeartbeatJson(alive);
    },
  });
};
