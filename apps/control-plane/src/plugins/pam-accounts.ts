import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { requireAdmin } from '../app/authorization.ts';
import { bearerAuth, errorResponses, isoTime, Uuid } from '../app/common-schemas.ts';
import type { ControlPlaneContext } from '../app/control-plane-context.ts';
import { HttpError, notFound } from '../app/http-error.ts';
import { PamAccountJson, PamFolderPath, PamName } from '../app/pam-schemas.ts';
import { accountPath, type PamAccount } from '../stores/pam-account-store.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * PAM accounts (docs/pam-contract.md):
 *   POST /api/v1/pam/accounts (admin)
 *        {resourceId, name, folderPath?:"prod", credentials:{username, password}}
 *        → {account:{id, name, path:"prod/<name>", resourceId, resourceType, …}}
 *   GET  /api/v1/pam/accounts (member) → {accounts:[…]}
 * The password is sealed at rest and never answered or logged.
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
  app.post(
    '/api/v1/pam/accounts',
    {
      schema: {
        tags: ['pam'],
        summary: 'Create a PAM account (credentials for a resource), addressed by folder path',
        security: bearerAuth,
        body: Type.Object({
          resourceId: Uuid,
          name: PamName,
          folderPath: Type.Optional(PamFolderPath),
          credentials: Type.Object({
            username: Type.String({ minLength: 1, maxLength: 63 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
          }),
        }),
        response: {
          200: Type.Object({ account: PamAccountJson }),
          409: Type.Ref('ErrorResponse'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
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
  );

  app.get(
    '/api/v1/pam/accounts',
    {
      schema: {
        tags: ['pam'],
        summary: 'PAM accounts of the caller’s organization (no credentials)',
        security: bearerAuth,
        response: { 200: Type.Object({ accounts: Type.Array(PamAccountJson) }), ...errorResponses },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      return {
        accounts: context.pam.accounts
          .list(caller.orgId)
          .map((account) => pamAccountJson(context, account)),
      };
    },
  );
};
