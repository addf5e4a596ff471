import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate, manageableIdentity } from '../app/authenticate.ts';
import { requireAdmin, requireOrg } from '../app/authorization.ts';
import type { ControlPlaneContext } from '../app/control-plane-context.ts';
import { isoTime } from '../app/iso-time.ts';
import type { Identity } from '../stores/identity-store.ts';
import { declaredRoute } from './declared-route.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * Machine identities (contract: @burrow/platform-api routes/identities.ts): create and read. The
 * caller is an admin identity of that organization.
 */
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
  app.route({
    ...declaredRoute(routes.createIdentity),
    handler: async (request) => {
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
  });

  app.route({
    ...declaredRoute(routes.getIdentity),
    handler: async (request) => {
      const caller = authenticate(context, request);
      const identity = manageableIdentity(context, caller, request.params.identityId);
      return { identity: identityJson(context, identity) };
    },
  });
};
