import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PamAccessService } from '../services/pam-access.ts';
import { accessTokenIdOf, type Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';

/**
 * PAM access (reference §8.1; contract: @burrow/platform-api routes.accessPamAccount): opens a
 * session on an account and answers the certificates to reach its gateway, living exactly the
 * session's duration (at most 24 h); see services/pam-access.ts.
 */
export const pamAccessPlugin: FastifyPluginAsyncTypebox<{
  authenticate: Authenticate;
  pamAccess: PamAccessService;
}> = async (app, { authenticate, pamAccess }) => {
  app.route({
    ...declaredRoute(routes.accessPamAccount),
    handler: async (request) => {
      const caller = authenticate(request);
      const grant = await pamAccess.grant(
        caller,
        request.body,
        Date.now(),
        accessTokenIdOf(request),
      );
      request.log.info(
        { sessionId: grant.sessionId, path: request.body.path, identityId: caller.id },
        'PAM session opened',
      );
      return grant;
    },
  });
};
