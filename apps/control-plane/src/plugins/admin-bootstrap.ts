import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BootstrapInput, BootstrapResult } from '../services/instance-bootstrap.ts';
import { declaredRoute } from './declared-route.ts';

/**
 * First-run setup (Infisical's instance bootstrap; contract: @burrow/platform-api
 * routes.bootstrapInstance). A second call answers 400.
 */
export const adminBootstrapPlugin: FastifyPluginAsyncTypebox<{
  bootstrap: (input: BootstrapInput) => Promise<BootstrapResult>;
}> = async (app, { bootstrap }) => {
  app.route({
    ...declaredRoute(routes.bootstrapInstance),
    handler: async (request) => {
      const { user, organization, identity, grant } = await bootstrap(request.body);
      request.log.info(
        { orgId: organization.id, identityId: identity.id },
        'instance bootstrapped',
      );
      return {
        message: 'Successfully bootstrapped instance',
        user: {
          id: user.id,
          email: user.email,
          username: user.email,
          firstName: '',
          lastName: '',
          superAdmin: user.superAdmin,
        },
        organization: { id: organization.id, name: organization.name, slug: organization.slug },
        identity: {
          id: identity.id,
          name: identity.name,
          credentials: { token: grant.accessToken },
        },
      };
    },
  });
};
