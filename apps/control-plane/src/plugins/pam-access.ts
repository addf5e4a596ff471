import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { grantPamAccess } from '../services/pam-access.ts';
import { declaredRoute } from './declared-route.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * PAM access (reference §8.1; contract: @burrow/platform-api routes.accessPamAccount): opens a
 * session on an account and answers the certificates to reach its gateway, living exactly the
 * session's duration (at most 24 h); see services/pam-access.ts.
 */
export const pamAccessPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.route({
    ...declaredRoute(routes.accessPamAccount),
    handler: async (request) => {
      const caller = authenticate(context, request);
      const grant = await grantPamAccess(context, caller, request.body);
      request.log.info(
        { sessionId: grant.sessionId, path: request.body.path, identityId: caller.id },
        'PAM session opened',
      );
      return grant;
    },
  });
};
