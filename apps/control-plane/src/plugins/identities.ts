import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate, manageableIdentity } from '../app/authenticate.ts';
import { requireAdmin, requireOrg } from '../app/authorization.ts';
import { bearerAuth, errorResponses, isoTime, Uuid } from '../app/common-schemas.ts';
import type { ControlPlaneContext } from '../app/control-plane-context.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * Machine identities:
 *   POST /api/v1/identities {name, organizationId, role?}  → {identity}
 *   GET  /api/v1/identities/:identityId                    → {identity}
 * The caller is an admin identity of that organization.
 */
export const IdentityJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  orgId: Type.String(),
  role: Type.String(),
  authMethods: Type.Array(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export function identityJson(context: ControlPlaneContext, identity: Identity) {
  const authMethods: string[] = [];
  if (context.universalAuth.getByIdentity(identity.id)) authMethods.push('universal-auth');
  if (context.tokenAuth.getByIdentity(identity.id)) authMethods.push('token-auth');
  return {
    id: identity.id,
    name: identity.name,
    orgId: identity.orgId,
    role: identity.role,
    authMethods,
    createdAt: isoTime(identity.createdAt) as string,
    updatedAt: isoTime(identity.updatedAt) as string,
  };
}

export const identitiesPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.post(
    '/api/v1/identities',
    {
      schema: {
        tags: ['identities'],
        summary: 'Create a machine identity',
        security: bearerAuth,
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 64 }),
          organizationId: Uuid,
          role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('member')])),
        }),
        response: { 200: Type.Object({ identity: IdentityJson }), ...errorResponses },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      requireOrg(caller, request.body.organizationId);
      requireAdmin(caller);
      const identity = context.identities.create({
        orgId: request.body.organizationId,
        name: request.body.name,
        role: request.body.role ?? 'member',
      });
      request.log.info({ identityId: identity.id, role: identity.role }, 'identity created');
      return { identity: identityJson(context, identity) };
    },
  );

  app.get(
    '/api/v1/identities/:identityId',
    {
      schema: {
        tags: ['identities'],
        summary: 'Get a machine identity',
        security: bearerAuth,
        params: Type.Object({ identityId: Uuid }),
        response: { 200: Type.Object({ identity: IdentityJson }), ...errorResponses },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      const identity = manageableIdentity(context, caller, request.params.identityId);
      return { identity: identityJson(context, identity) };
    },
  );
};
