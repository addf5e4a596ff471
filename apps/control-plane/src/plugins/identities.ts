import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { IdentityDirectory } from '../services/identity-directory.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { Revocation } from '../services/revocation.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';

/**
 * Identities (contract: @burrow/platform-api routes/identities.ts): create, list, read and
 * change the role, and delete (revoking everything the identity holds, revocation.ts). The caller
 * is an admin identity of that organization.
 */
export function identityJson(identity: Identity, authMethods: string[]) {
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

export interface IdentitiesOptions {
  authenticate: Authenticate;
  directory: IdentityDirectory;
  revocation: Revocation;
}

export const identitiesPlugin: FastifyPluginAsyncTypebox<IdentitiesOptions> = async (
  app,
  { authenticate, directory, revocation },
) => {
  app.route({
    ...declaredRoute(routes.deleteIdentity),
    handler: async (request) => {
      const caller = authenticate(request);
      const authMethods = directory.authMethodsOf(request.params.identityId);
      const identity = await revocation.deleteIdentity(
        caller,
        request.params.identityId,
        request.log,
      );
      request.log.info({ identityId: identity.id }, 'identity deleted');
      return { identity: identityJson(identity, authMethods) };
    },
  });

  app.route({
    ...declaredRoute(routes.createIdentity),
    handler: async (request) => {
      const identity = directory.create(authenticate(request), request.body);
      request.log.info({ identityId: identity.id, role: identity.role }, 'identity created');
      return { identity: identityJson(identity, directory.authMethodsOf(identity.id)) };
    },
  });

  app.route({
    ...declaredRoute(routes.listIdentities),
    handler: async (request) => {
      const identities = directory.list(authenticate(request), request.query.organizationId);
      return {
        identities: identities.map((identity) =>
          identityJson(identity, directory.authMethodsOf(identity.id)),
        ),
      };
    },
  });

  app.route({
    ...declaredRoute(routes.getIdentity),
    handler: async (request) => {
      const identity = directory.manageable(authenticate(request), request.params.identityId);
      return { identity: identityJson(identity, directory.authMethodsOf(identity.id)) };
    },
  });

  app.route({
    ...declaredRoute(routes.updateIdentity),
    handler: async (request) => {
      const identity = directory.setRole(
        authenticate(request),
        request.params.identityId,
        request.body.role,
      );
      request.log.info({ identityId: identity.id, role: identity.role }, 'identity role changed');
      return { identity: identityJson(identity, directory.authMethodsOf(identity.id)) };
    },
  });
};
