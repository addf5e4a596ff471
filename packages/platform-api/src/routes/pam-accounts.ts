import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { ErrorResponseRef, errorResponses, Uuid } from '../schemas/common.ts';
import { PamAccountJson, PamFolderPath, PamName } from '../schemas/pam.ts';

/**
 * PAM accounts:
 *   POST /api/v1/pam/accounts (admin)
 *        {resourceId, name, folderPath?:"prod", credentials:{username, password}}
 *        → {account:{id, name, path:"prod/<name>", resourceId, resourceType, …}}; 409 path taken
 *   GET  /api/v1/pam/accounts → {accounts:[…]}: every account (admin, auditor), or the accounts
 *        the caller's grants cover (member: what it may open)
 *   PATCH /api/v1/pam/accounts/:accountId (admin) {credentials:{password}} → {account}
 *        rotates the password the gateway logs in with: sessions opened from now on get the new
 *        one; sessions already running keep the credentials their gateway fetched
 * The password is sealed at rest and never answered or logged.
 */
export const createPamAccount = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/accounts',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Create a PAM account (credentials for a resource), addressed by folder path',
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
    409: ErrorResponseRef,
    ...errorResponses,
  },
});

export const updatePamAccount = defineRoute({
  method: 'PATCH',
  path: '/api/v1/pam/accounts/:accountId',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Rotate a PAM account’s password (new sessions only)',
  params: Type.Object({ accountId: Uuid }),
  body: Type.Object({
    credentials: Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024 }) }),
  }),
  response: { 200: Type.Object({ account: PamAccountJson }), ...errorResponses },
});

export const listPamAccounts = defineRoute({
  method: 'GET',
  path: '/api/v1/pam/accounts',
  auth: 'identity',
  tags: ['pam'],
  summary:
    'PAM accounts of the caller’s organization a member may open, all for admins and auditors (no credentials)',
  response: { 200: Type.Object({ accounts: Type.Array(PamAccountJson) }), ...errorResponses },
});
