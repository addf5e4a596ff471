import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { ErrorResponseRef, errorResponses, Uuid } from '../schemas/common.ts';
import {
  PamAccountJson,
  PamFolderPath,
  PamName,
  PamAccountAuthMethod,
  PamPolicyRulesJson,
} from '../schemas/pam.ts';

/**
 * PAM accounts:
 *   POST /api/v1/pam/accounts (admin)
 *        {resourceId, name, folderPath?:"prod", credentials:{username, password}}   (postgres)
 *        {resourceId, name, folderPath?, credentials:{username, authMethod:"password"|
 *         "public-key"|"certificate", password?, privateKey?}, policyRules?}          (ssh)
 *        → {account:{id, name, path:"prod/<name>", resourceId, resourceType, username,
 *           authMethod?, policyRules?, …}}; 409 path taken
 *        ssh: `password` for authMethod password, `privateKey` (OpenSSH or PEM, unencrypted) for
 *        public-key, neither for certificate (the gateway gets a key pair and a certificate of
 *        the organization's PAM SSH CA per session: pam-ssh-ca.ts); policyRules' patterns must
 *        compile as JavaScript RegExp (400 naming the pattern's index)
 *        {resourceId, name, folderPath?, credentials:{username, authMethod:"basic"|"bearer"|
 *         "header", password? (basic), token? (bearer, header), headerName? (header)}}  (http)
 *        {resourceId, name, folderPath?, credentials:{username (the service account's name),
 *         authMethod?:"service-account-token", token}}                                (kubernetes)
 *        testConnection?: true → logged in through the gateway first (400 on failure)
 *   GET  /api/v1/pam/accounts → {accounts:[…]}: every account (admin, auditor), or the accounts
 *        the caller's grants cover (member: what it may open)
 *   PATCH /api/v1/pam/accounts/:accountId (admin) {credentials?:{authMethod?, password?,
 *        privateKey?, token?, headerName?}, policyRules?} → {account}
 *        replaces the secret the gateway logs in with — the fields of the account's method, as
 *        at creation (header: headerName and token) — or switches to another method of its
 *        resource type (ssh: password, public-key, certificate; http: basic, bearer, header),
 *        and/or replaces the policy rules: sessions opened from now on get them; sessions
 *        already running keep the credentials their gateway fetched
 *   DELETE /api/v1/pam/accounts/:accountId (admin) → {account}; its grants on exactly its path
 *        go with it (a later account at that path is not opened to them); 409 while it has
 *        sessions: their recordings are evidence and would go with the account
 * Passwords and private keys are sealed at rest and never answered or logged.
 */

const PamAccountPassword = Type.String({ minLength: 1, maxLength: 1024 });
const PamAccountPrivateKey = Type.String({ minLength: 1, maxLength: 16384 });
const PamHeaderName = Type.String({ minLength: 1, maxLength: 128 });
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
      /** ssh (password|public-key|certificate), http (basic|bearer|header), kubernetes. */
      authMethod: Type.Optional(PamAccountAuthMethod),
      /** http bearer / header: the token (header: the header's value); kubernetes: the SA token. */
      token: Type.Optional(PamAccountPassword),
      /** http header: the header's name (`X-Api-Key`). */
      headerName: Type.Optional(PamHeaderName),
      /** postgres; ssh with authMethod password. */
      password: Type.Optional(PamAccountPassword),
      /** ssh with authMethod public-key. */
      privateKey: Type.Optional(PamAccountPrivateKey),
    }),
    /** ssh only. */
    policyRules: Type.Optional(PamPolicyRulesJson),
    /**
     * Burrow's own: log in through the gateway first (infisical-connection-test: postgres login,
     * http GET with the credential, Kubernetes GET /api); refused with 400 saying "unreachable"
     * or "wrong credentials" and nothing saved when it fails.
     */
    testConnection: Type.Optional(Type.Boolean()),
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
  summary:
    'Replace a PAM account’s secret or login method, or its policy rules (new sessions only)',
  params: Type.Object({ accountId: Uuid }),
  body: Type.Object({
    credentials: Type.Optional(
      Type.Object({
        /** Absent: the account's own method. */
        authMethod: Type.Optional(PamAccountAuthMethod),
        password: Type.Optional(PamAccountPassword),
        privateKey: Type.Optional(PamAccountPrivateKey),
        token: Type.Optional(PamAccountPassword),
        headerName: Type.Optional(PamHeaderName),
      }),
    ),
    /** ssh only; replaces the account's rules (`{}` removes them). */
    policyRules: Type.Optional(PamPolicyRulesJson),
  }),
  response: { 200: Type.Object({ account: PamAccountJson }), ...errorResponses },
});

export const deletePamAccount = defineRoute({
  method: 'DELETE',
  path: '/api/v1/pam/accounts/:accountId',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Delete a PAM account that has no sessions, with its grants on exactly its path',
  params: Type.Object({ accountId: Uuid }),
  response: {
    200: Type.Object({ account: PamAccountJson }),
    409: ErrorResponseRef,
    ...errorResponses,
  },
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

/**
 *   GET /api/v1/pam/accounts/:accountId/ssh-ca-public-key (admin, auditor) → {publicKey}
 *        the organization's PAM SSH user CA (ed25519) as an OpenSSH public key line: what the
 *        target's sshd trusts with `TrustedUserCAKeys` for certificate accounts (the reference's
 *        path; the CA is one per organization, so every ssh account of it answers the same key).
 *        400 for an account that is not ssh.
 */
export const pamAccountSshCaPublicKey = defineRoute({
  method: 'GET',
  path: '/api/v1/pam/accounts/:accountId/ssh-ca-public-key',
  auth: 'identity',
  tags: ['pam'],
  summary: 'The PAM SSH user CA public key a target trusts for an ssh account (TrustedUserCAKeys)',
  params: Type.Object({ accountId: Uuid }),
  response: { 200: Type.Object({ publicKey: Type.String() }), ...errorResponses },
});
