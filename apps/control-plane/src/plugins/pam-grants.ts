import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PamGrantService } from '../services/pam-grant-service.ts';
import type { PamGrant } from '../stores/pam-grant-store.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';

/**
 * PAM grants (contract: @burrow/platform-api routes/pam-grants.ts): create, list and delete,
 * admin only. A grant on `prod/` lets its identity open sessions on every account in `prod`.
 */
function grantJson(grant: PamGrant) {
  return {
    id: grant.id,
    identityId: grant.identityId,
    path: grant.path,
    createdBy: grant.createdBy,
    createdAt: isoTime(grant.createdAt) as string,
  };
}

export const pamGrantsPlugin: FastifyPluginAsyncTypebox<{
  authenticate: Authenticate;
  grants: PamGrantService;
}> = async (app, { authenticate, grants }) => {
  app.route({
    ...declaredRoute(routes.createPamGrant),
    handler: async (request) => {
      const grant = grants.create(authenticate(request), request.body);
      request.log.info(
        { grantId: grant.id, identityId: grant.identityId, path: grant.path },
        'PAM grant created',
      );
      return { grant: grantJson(grant) };
    },
  });

  app.route({
    ...declaredRoute(routes.listPamGrants),
    handler: async (request) => ({
      grants: grants.list(authenticate(request), request.query.identityId).map(grantJson),
    }),
  });

  app.route({
    ...declaredRoute(routes.deletePamGrant),
    handler: async (request) => {
      const grant = grants.delete(authenticate(request), request.params.grantId);
      request.log.info(
        { grantId: grant.id, identityId: grant.identityId, path: grant.path },
        'PAM grant deleted',
      );
      return { grant: grantJson(grant) };
    },
  });
};
