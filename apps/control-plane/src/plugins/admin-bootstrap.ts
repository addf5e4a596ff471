import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../app/common-schemas.ts';
import { bootstrapInstance } from '../services/instance-bootstrap.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * `POST /api/v1/admin/bootstrap {email, password, organization}` — first-run setup (Infisical's
 * instance bootstrap). A second call answers 400.
 */
const BootstrapBody = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254 }),
  password: Type.String({ minLength: 8, maxLength: 1024 }),
  organization: Type.String({ minLength: 1, maxLength: 64 }),
});

const BootstrapResponse = Type.Object({
  message: Type.String(),
  user: Type.Object({
    id: Type.String(),
    email: Type.String(),
    username: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    superAdmin: Type.Boolean(),
  }),
  organization: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }),
  identity: Type.Object({
    id: Type.String(),
    name: Type.String(),
    credentials: Type.Object({ token: Type.String() }),
  }),
});

export const adminBootstrapPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.post(
    '/api/v1/admin/bootstrap',
    {
      schema: {
        tags: ['admin'],
        summary: 'Set up the instance: admin user, first organization, admin machine identity',
        body: BootstrapBody,
        response: { 200: BootstrapResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, organization, identity, grant } = await bootstrapInstance(
        context,
        request.body,
      );
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
  );
};
