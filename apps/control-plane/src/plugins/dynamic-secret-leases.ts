import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DynamicSecretLeases } from '../services/dynamic-secret-leases.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { dynamicSecretJson, leaseJson } from './dynamic-secret-json.ts';

/**
 * Leases (contract: @burrow/platform-api routes/dynamic-secret-leases.ts). The credentials of a
 * new lease are answered once and logged never; logs name the lease and its role.
 */
export const dynamicSecretLeasesPlugin: FastifyPluginAsyncTypebox<{
  authenticate: Authenticate;
  leases: DynamicSecretLeases;
}> = async (app, { authenticate, leases }) => {
  app.route({
    ...declaredRoute(routes.createDynamicSecretLease),
    handler: async (request) => {
      const { lease, secret, username, password } = await leases.create(
        authenticate(request),
        request.body,
      );
      request.log.info(
        { leaseId: lease.id, dynamicSecretId: secret.id, role: username, expireAt: lease.expireAt },
        'dynamic secret leased',
      );
      return {
        lease: leaseJson(lease, secret),
        dynamicSecret: dynamicSecretJson(secret),
        data: {
          DB_USERNAME: username,
          DB_PASSWORD: password,
          DB_HOST: secret.host,
          DB_PORT: secret.port,
          DB_NAME: secret.database,
        },
      };
    },
  });

  app.route({
    ...declaredRoute(routes.listDynamicSecretLeases),
    handler: async (request) => ({
      leases: leases
        .list(authenticate(request), request.params.name)
        .map(({ lease, secret }) => leaseJson(lease, secret)),
    }),
  });

  app.route({
    ...declaredRoute(routes.getDynamicSecretLease),
    handler: async (request) => {
      const { lease, secret } = leases.get(authenticate(request), request.params.leaseId);
      return { lease: leaseJson(lease, secret) };
    },
  });

  app.route({
    ...declaredRoute(routes.renewDynamicSecretLease),
    handler: async (request) => {
      const { lease, secret } = await leases.renew(
        authenticate(request),
        request.params.leaseId,
        request.body.ttl,
      );
      request.log.info(
        { leaseId: lease.id, expireAt: lease.expireAt },
        'dynamic secret lease renewed',
      );
      return { lease: leaseJson(lease, secret) };
    },
  });

  app.route({
    ...declaredRoute(routes.revokeDynamicSecretLease),
    handler: async (request) => {
      const { lease, secret } = await leases.revoke(authenticate(request), request.params.leaseId);
      request.log.info(
        { leaseId: lease.id, status: lease.status, role: lease.username },
        lease.status === 'revoked'
          ? 'dynamic secret lease revoked'
          : 'dynamic secret lease revocation pending',
      );
      return { lease: leaseJson(lease, secret) };
    },
  });
};
