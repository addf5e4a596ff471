import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PamAccountView, PamCatalog } from '../services/pam-catalog.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';

/**
 * PAM accounts (contract: @burrow/platform-api routes/pam-accounts.ts): create (admin) at
 * `<folderPath>/<name>`, rotate its password (admin; new sessions only), list (member). The
 * password is sealed at rest and never answered or logged.
 */
function pamAccountJson({ account, resourceType }: PamAccountView) {
  return {
    id: account.id,
    name: account.name,
    path: account.path,
    folderPath: account.folderPath,
    resourceId: account.resourceId,
    resourceType,
    username: account.username,
    createdAt: isoTime(account.createdAt) as string,
  };
}

export const pamAccountsPlugin: FastifyPluginAsyncTypebox<{
  authenticate: Authenticate;
  catalog: PamCatalog;
}> = async (app, { authenticate, catalog }) => {
  app.route({
    ...declaredRoute(routes.createPamAccount),
    handler: async (request) => {
      const view = catalog.createAccount(authenticate(request), request.body);
      const { account } = view;
      request.log.info(
        { accountId: account.id, path: account.path, resourceId: account.resourceId },
        'PAM account created',
      );
      return { account: pamAccountJson(view) };
    },
  });

  app.route({
    ...declaredRoute(routes.updatePamAccount),
    handler: async (request) => {
      const view = catalog.rotatePassword(
        authenticate(request),
        request.params.accountId,
        request.body.credentials.password,
      );
      request.log.info(
        { accountId: view.account.id, path: view.account.path },
        'PAM account password rotated (new sessions only)',
      );
      return { account: pamAccountJson(view) };
    },
  });

  app.route({
    ...declaredRoute(routes.listPamAccounts),
    handler: async (request) => ({
      accounts: catalog.listAccounts(authenticate(request)).map(pamAccountJson),
    }),
  });
};
