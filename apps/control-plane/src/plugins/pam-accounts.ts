import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { requireAdmin } from '../app/authorization.ts';
import type { ControlPlaneContext } from '../app/control-plane-context.ts';
import { HttpError, notFound } from '../app/http-error.ts';
import { isoTime } from '../app/iso-time.ts';
import { accountPath, type PamAccount } from '../stores/pam-account-store.ts';
import { declaredRoute } from './declared-route.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * PAM accounts (contract: @burrow/platform-api routes/pam-accounts.ts): create (admin) at
 * `<folderPath>/<name>`, list (member). The password is sealed at rest and never answered or
 * logged.
 */
function pamAccountJson(context: ControlPlaneContext, account: PamAccount) {
  return {
    id: account.id,
    name: account.name,
    path: account.path,
    folderPath: account.folderPath,
    resourceId: account.resourceId,
    resourceType: context.pam.resources.get(account.resourceId)?.resourceType ?? 'unknown',
    username: account.username,
    createdAt: isoTime(account.createdAt) as string,
  };
}

export const pamAccountsPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.route({
    ...declaredRoute(routes.createPamAccount),
    handler: async (request) => {
      const caller = authenticate(context, request);
      requireAdmin(caller);
      const { resourceId, name, credentials } = request.body;
      const folderPath = request.body.folderPath ?? '';
      const resource = context.pam.resources.get(resourceId);
      if (!resource || resource.orgId !== caller.orgId) {
        throw notFound(`PAM resource ${resourceId} not found`);
      }
      const path = accountPath(folderPath, name);
      if (context.pam.accounts.findByPath(caller.orgId, path)) {
        throw new HttpError(409, `PAM account ${path} already exists`);
      }
      const account = context.pam.accounts.create({
        orgId: caller.orgId,
        resourceId,
        name,
        folderPath,
        username: credentials.username,
        password: credentials.password,
      });
      request.log.info({ accountId: account.id, path, resourceId }, 'PAM account created');
      return { account: pamAccountJson(context, account) };
    },
  });

  app.route({
    ...declaredRoute(routes.listPamAccounts),
    handler: async (request) => {
      const caller = authenticate(context, request);
      return {
        accounts: context.pam.accounts
          .list(caller.orgId)
          .map((account) => pamAccountJson(context, account)),
      };
    },
  });
};
