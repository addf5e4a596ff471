import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PamAccountView, PamCatalog } from '../services/pam-catalog.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';

/**
 * PAM accounts (contract: @burrow/platform-api routes/pam-accounts.ts): create (admin) at
 * `<folderPath>/<name>`, rotate its secret or replace its policy rules (admin; new sessions
 * only), delete one without sessions (admin), list (member), the PAM SSH CA public key for an ssh account's target (admin, auditor).
 * Passwords and private keys are sealed at rest and never answered or logged.
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
    ...(account.authMethod ? { authMethod: account.authMethod } : {}),
    ...(account.policyRules ? { policyRules: account.policyRules } : {}),
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
      const view = await catalog.createAccount(authenticate(request), request.body);
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
      const { credentials, policyRules } = request.body;
      const view = catalog.updateAccount(authenticate(request), request.params.accountId, {
        credentials,
        policyRules,
      });
      request.log.info(
        {
          accountId: view.account.id,
          path: view.account.path,
          credentialsChanged: credentials !== undefined,
          policyRulesChanged: policyRules !== undefined,
        },
        'PAM account updated (new sessions only)',
      );
      return { account: pamAccountJson(view) };
    },
  });

  app.route({
    ...declaredRoute(routes.deletePamAccount),
    handler: async (request) => {
      const view = catalog.deleteAccount(authenticate(request), request.params.accountId);
      request.log.info(
        { accountId: view.account.id, path: view.account.path },
        'PAM account deleted (and its grants on exactly its path)',
      );
      return { account: pamAccountJson(view) };
    },
  });

  app.route({
    ...declaredRoute(routes.pamAccountSshCaPublicKey),
    handler: async (request) => ({
      publicKey: catalog.sshCaPublicKey(authenticate(request), request.params.accountId),
    }),
  });

  app.route({
    ...declaredRoute(routes.listPamAccounts),
    handler: async (request) => ({
      accounts: catalog.listAccounts(authenticate(request)).map(pamAccountJson),
    }),
  });
};
