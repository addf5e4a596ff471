import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { formatSshPublicKeyLine, generateSshKeyPair } from '@burrow/pki';
import { routes } from '@burrow/platform-api';
import { startPostgres, type PostgresServer } from '@burrow/test-support';
import { FakeRelayGateway } from './support/fake-relay-gateway.ts';
import { otherOrgIdentity, registerFakeRelayGateway } from './support/org-setup.ts';
import {
  auth,
  bootstrap,
  identityWithToken,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

/**
 * Who may call what: every route of @burrow/platform-api × every role, plus another
 * organization's admin and no credentials at all, with the status each must get. Every 403 must
 * say why. An enrolled gateway and an enrolled relay (resource access tokens, issue 21) are two
 * more callers: each acts as its own gateway or relay only, so on another gateway's sessions, on
 * relay routes, on PAM and identity routes it is refused like the role it has. A route added to platform-api without a row here fails this test (and typecheck).
 *
 * Each row builds its request per caller, so routes that change state (create, delete, end) act
 * on objects made for that call and rows do not depend on each other.
 */
type Caller =
  | 'admin'
  | 'member'
  | 'auditor'
  | 'relay'
  | 'gateway'
  | 'enrolledRelay'
  | 'enrolledGateway'
  | 'otherOrgAdmin'
  | 'anonymous';
const CALLERS: readonly Caller[] = [
  'admin',
  'member',
  'auditor',
  'relay',
  'gateway',
  'enrolledRelay',
  'enrolledGateway',
  'otherOrgAdmin',
  'anonymous',
];

interface Call {
  params?: Record<string, string>;
  query?: Record<string, string>;
  payload?: unknown;
}

interface Row {
  call(caller: Caller): Call | Promise<Call>;
  expect: Record<Caller, number>;
}

/** `allowed` callers get their status; every other identity 403; `otherOrgAdmin` and no token as given. */
function statuses(
  allowed: Partial<Record<Exclude<Caller, 'otherOrgAdmin' | 'anonymous'>, number>>,
  otherOrgAdmin: number,
  anonymous = 401,
): Record<Caller, number> {
  return {
    admin: 403,
    member: 403,
    auditor: 403,
    relay: 403,
    gateway: 403,
    enrolledRelay: 403,
    enrolledGateway: 403,
    ...allowed,
    otherOrgAdmin,
    anonymous,
  };
}

/** A public route: the same answer whoever calls (credentials are in the body, if any). */
const everyone = (status: number): Record<Caller, number> =>
  Object.fromEntries(CALLERS.map((caller) => [caller, status])) as Record<Caller, number>;

const NOBODY = '00000000-0000-4000-8000-000000000000';
/** The user bootstrap() creates. */
const ADMIN_USER = { email: 'admin@example.com', password: 'correct horse battery' };

let cp: TestControlPlane;
let admin: Bootstrapped;
let fake: FakeRelayGateway;
let echo: net.Server;
const tokens = {} as Record<Exclude<Caller, 'anonymous'>, string>;
const ids = {} as Record<Exclude<Caller, 'anonymous'>, string>;
let gatewayId: string;
let resourceId: string;
let accountId: string;
let sshAccountId: string;
let sessionId: string;
let uaIdentity: { identityId: string; clientId: string; clientSecret: string };
let renewable: string;
let pg: PostgresServer;
const loginMethodIdentity: Record<string, string> = {};
let counter = 0;
const unique = (prefix: string): string => `${prefix}-${++counter}`;

async function call(
  token: string | undefined,
  method: string,
  url: string,
  payload?: unknown,
): Promise<{ statusCode: number; json: <T>() => T; body: string }> {
  const res = await cp.app.inject({
    method: method as 'GET',
    url,
    headers: token ? auth(token) : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return res;
}

async function ok<T>(
  token: string | undefined,
  method: string,
  url: string,
  payload?: unknown,
): Promise<T> {
  const res = await call(token, method, url, payload);
  if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json<T>();
}

async function freshIdentity(role = 'member'): Promise<string> {
  const { identity } = await ok<{ identity: { id: string } }>(
    admin.token,
    'POST',
    '/api/v1/identities',
    { name: unique('fresh'), organizationId: admin.orgId, role },
  );
  return identity.id;
}

async function freshToken(): Promise<string> {
  return (await identityWithToken(cp, admin, unique('token-holder'), 'member')).token;
}

async function freshSession(): Promise<string> {
  const { sessionId: id } = await ok<{ sessionId: string }>(
    tokens.member,
    'POST',
    '/api/v1/pam/accounts/access',
    { path: 'prod/orders-db', duration: '1h' },
  );
  return id;
}

async function freshGateway(): Promise<string> {
  const owner = await identityWithToken(cp, admin, unique('gw-owner'), 'gateway');
  const registered = await ok<{ gatewayId: string }>(owner.token, 'POST', '/api/v2/gateways', {
    relayName: 'fake-relay',
    name: unique('gw'),
  });
  return registered.gatewayId;
}

/** A gateway or relay an admin created for token enrollment. */
async function freshEnrolled(
  type: 'gateway' | 'relay',
): Promise<{ id: string; identityId: string }> {
  const authMethod = { method: 'token' };
  return type === 'gateway'
    ? ok(admin.token, 'POST', '/api/v3/gateways', { name: unique('egw'), authMethod })
    : ok(admin.token, 'POST', '/api/v2/relays', {
        name: unique('erelay'),
        host: '127.0.0.1',
        sshPort: 31_000 + counter,
        tlsPort: 41_000 + counter,
        authMethod,
      });
}

/** An enrolled gateway's or relay's access token, through its one-time enrollment token. */
async function enrolledToken(type: 'gateway' | 'relay', id: string): Promise<string> {
  const base = type === 'gateway' ? '/api/v3/gateways' : '/api/v2/relays';
  const { token } = await ok<{ token: string }>(
    admin.token,
    'POST',
    `${base}/${id}/token-auth/generate-enrollment-token`,
  );
  const { accessToken } = await ok<{ accessToken: string }>(
    undefined,
    'POST',
    type === 'gateway' ? '/api/v3/gateways/token-auth/enroll' : '/api/v2/relays/login',
    type === 'gateway' ? { token } : { method: 'token', token },
  );
  return accessToken;
}

async function freshGrant(): Promise<string> {
  const { grant } = await ok<{ grant: { id: string } }>(admin.token, 'POST', '/api/v1/pam/grants', {
    identityId: await freshIdentity(),
    path: 'prod/',
  });
  return grant.id;
}

async function freshResource(): Promise<string> {
  const { resource } = await ok<{ resource: { id: string } }>(
    admin.token,
    'POST',
    '/api/v1/pam/resources',
    {
      name: unique('fresh-res'),
      resourceType: 'postgres',
      gatewayId,
      connectionDetails: { host: 'db.internal', port: 5432, database: 'orders' },
    },
  );
  return resource.id;
}

/** An account without sessions (one with sessions is kept: their recordings are evidence). */
async function freshAccount(): Promise<string> {
  const { account } = await ok<{ account: { id: string } }>(
    admin.token,
    'POST',
    '/api/v1/pam/accounts',
    {
      resourceId,
      name: unique('fresh-acc'),
      folderPath: 'staging',
      credentials: { username: 'app', password: 'pw' },
    },
  );
  return account.id;
}

/** A configuration each login method accepts (every one binds a principal). */
const LOGIN_CONFIGS = {
  kubernetes: { kubernetesHost: 'https://k8s.example', allowedNamespaces: 'burrow' },
  aws: { allowedAccountIds: '123456789012' },
  azure: {
    tenantId: 'contoso.example',
    resource: 'https://management.azure.com/',
    allowedServicePrincipalIds: 'principal-1',
  },
  gcp: { type: 'gce', allowedServiceAccounts: 'sa@burrow-test.iam.gserviceaccount.com' },
  oidc: { oidcDiscoveryUrl: 'https://issuer.example', boundAudiences: 'burrow' },
  jwt: {
    configurationType: 'jwks',
    jwksUrl: 'https://issuer.example/jwks',
    boundAudiences: 'burrow',
  },
} as const;
type LoginMethod = keyof typeof LOGIN_CONFIGS;
const slug = (method: LoginMethod): string => `${method}-auth`;

function attachRow(method: LoginMethod): Row {
  return {
    call: async () => ({
      params: { identityId: await freshIdentity() },
      payload: LOGIN_CONFIGS[method],
    }),
    expect: statuses({ admin: 200 }, 404),
  };
}

function getLoginRow(method: LoginMethod): Row {
  return {
    call: () => ({ params: { identityId: loginMethodIdentity[method] as string } }),
    expect: statuses({ admin: 200 }, 404),
  };
}

/** Logins are public; an identity without the method configured is refused (401) before any provider is asked. */
function loginRow(method: LoginMethod): Row {
  const payload =
    method === 'aws'
      ? {
          identityId: NOBODY,
          iamHttpRequestMethod: 'POST',
          iamRequestBody: 'e30=',
          iamRequestHeaders: 'e30=',
        }
      : { identityId: NOBODY, jwt: 'a.b.c' };
  return { call: () => ({ payload }), expect: everyone(401) };
}

const relayBody = (caller: Caller) =>
  caller === 'relay'
    ? { host: '127.0.0.1', name: 'fake-relay', sshPort: 2299, tlsPort: fake.port }
    : {
        host: '127.0.0.1',
        name: unique('relay'),
        sshPort: 30_000 + counter,
        tlsPort: 40_000 + counter,
      };

const TABLE = {
  healthz: { call: () => ({}), expect: everyone(200) },
  readyz: { call: () => ({}), expect: everyone(200) },
  bootstrapInstance: {
    call: () => ({
      payload: { email: 'x@example.com', password: 'long enough pw', organization: 'X' },
    }),
    expect: everyone(400),
  },
  createIdentity: {
    call: () => ({ payload: { name: unique('created'), organizationId: admin.orgId } }),
    // Another organization's admin is refused by organization, before the role is looked at.
    expect: statuses({ admin: 200 }, 403),
  },
  listIdentities: {
    call: () => ({ query: { organizationId: admin.orgId } }),
    expect: statuses({ admin: 200 }, 403),
  },
  // A person's sign-in: the credentials are in the body, whoever calls.
  userLogin: {
    call: () => ({ payload: ADMIN_USER }),
    expect: everyone(200),
  },
  consoleSignIn: {
    call: () => ({ payload: ADMIN_USER }),
    expect: everyone(200),
  },
  // Only a signed-in person has a console session (user-sign-in.test.ts); identities' tokens 403.
  consoleSession: {
    call: () => ({}),
    expect: statuses({}, 403),
  },
  consoleSignOut: {
    call: () => ({}),
    expect: statuses({}, 403),
  },
  createUser: {
    call: () => ({
      payload: {
        organizationId: admin.orgId,
        email: `${unique('person')}@example.com`,
        role: 'member',
      },
    }),
    expect: statuses({ admin: 200 }, 403),
  },
  getIdentity: {
    call: () => ({ params: { identityId: ids.member } }),
    expect: statuses({ admin: 200 }, 404),
  },
  deleteIdentity: {
    call: async () => ({ params: { identityId: await freshIdentity() } }),
    expect: statuses({ admin: 200 }, 404),
  },
  revokeUniversalAuthClientSecret: {
    call: async () => {
      const { clientSecretData } = await ok<{ clientSecretData: { id: string } }>(
        admin.token,
        'POST',
        `/api/v1/auth/universal-auth/identities/${uaIdentity.identityId}/client-secrets`,
        {},
      );
      return {
        params: { identityId: uaIdentity.identityId, clientSecretId: clientSecretData.id },
      };
    },
    expect: statuses({ admin: 200 }, 404),
  },
  deleteRelay: {
    call: async () => {
      const owner = await identityWithToken(cp, admin, unique('relay-owner'), 'relay');
      const { relayId } = await ok<{ relayId: string }>(
        owner.token,
        'POST',
        '/api/v1/relays/register-org-relay',
        relayBody('admin'),
      );
      return { params: { id: relayId } };
    },
    expect: statuses({ admin: 200 }, 404),
  },
  updatePamAccount: {
    call: () => ({ params: { accountId }, payload: { credentials: { password: 'pw' } } }),
    expect: statuses({ admin: 200 }, 404),
  },
  updateIdentity: {
    call: async () => ({
      params: { identityId: await freshIdentity() },
      payload: { role: 'auditor' },
    }),
    expect: statuses({ admin: 200 }, 404),
  },
  attachUniversalAuth: {
    call: async () => ({ params: { identityId: await freshIdentity() }, payload: {} }),
    expect: statuses({ admin: 200 }, 404),
  },
  getUniversalAuth: {
    call: () => ({ params: { identityId: uaIdentity.identityId } }),
    expect: statuses({ admin: 200 }, 404),
  },
  createUniversalAuthClientSecret: {
    call: () => ({ params: { identityId: uaIdentity.identityId }, payload: {} }),
    expect: statuses({ admin: 200 }, 404),
  },
  universalAuthLogin: {
    call: () => ({
      payload: { clientId: uaIdentity.clientId, clientSecret: uaIdentity.clientSecret },
    }),
    expect: everyone(200),
  },
  attachTokenAuth: {
    call: async () => ({ params: { identityId: await freshIdentity() }, payload: {} }),
    expect: statuses({ admin: 200 }, 404),
  },
  createTokenAuthToken: {
    call: () => ({ params: { identityId: ids.member }, payload: { name: unique('token') } }),
    expect: statuses({ admin: 200 }, 404),
  },
  renewAccessToken: {
    call: () => ({ payload: { accessToken: renewable } }),
    expect: everyone(200),
  },
  revokeAccessToken: {
    call: async () => ({ payload: { accessToken: await freshToken() } }),
    expect: everyone(200),
  },
  attachKubernetesAuth: attachRow('kubernetes'),
  getKubernetesAuth: getLoginRow('kubernetes'),
  kubernetesAuthLogin: loginRow('kubernetes'),
  attachAwsAuth: attachRow('aws'),
  getAwsAuth: getLoginRow('aws'),
  awsAuthLogin: loginRow('aws'),
  attachAzureAuth: attachRow('azure'),
  getAzureAuth: getLoginRow('azure'),
  azureAuthLogin: loginRow('azure'),
  attachGcpAuth: attachRow('gcp'),
  getGcpAuth: getLoginRow('gcp'),
  gcpAuthLogin: loginRow('gcp'),
  attachOidcAuth: attachRow('oidc'),
  getOidcAuth: getLoginRow('oidc'),
  oidcAuthLogin: loginRow('oidc'),
  attachJwtAuth: attachRow('jwt'),
  getJwtAuth: getLoginRow('jwt'),
  jwtAuthLogin: loginRow('jwt'),
  registerOrgRelay: {
    call: (caller) => ({ payload: relayBody(caller) }),
    // The relay re-registers its own relay; admins may register org relays in their own organization.
    // An enrolled relay already has its relay: a second name is refused (400).
    expect: statuses({ admin: 200, relay: 200, enrolledRelay: 400 }, 200),
  },
  // Instance relays authenticate with RELAY_AUTH_SECRET, which no identity token is.
  registerInstanceRelay: {
    call: () => ({
      payload: { host: '127.0.0.1', name: 'instance-x', sshPort: 2400, tlsPort: 2401 },
    }),
    expect: everyone(401),
  },
  heartbeatOrgRelay: {
    call: () => ({ payload: { name: 'fake-relay' } }),
    expect: statuses({ admin: 200, relay: 200 }, 404),
  },
  heartbeatInstanceRelay: {
    call: () => ({ payload: { name: 'instance-x' } }),
    expect: everyone(401),
  },
  listRelays: {
    call: () => ({}),
    expect: statuses(
      { admin: 200, member: 200, auditor: 200, gateway: 200, enrolledGateway: 200 },
      200,
    ),
  },
  registerGateway: {
    // Only the gateway's own registration names a relay that exists; anyone else allowed to
    // register gets 404 for the unknown relay, so no row leaves a gateway behind.
    call: (caller) => ({
      payload:
        caller === 'gateway'
          ? { relayName: 'fake-relay', name: 'fake-gw' }
          : { relayName: 'no-such-relay', name: unique('gw') },
    }),
    expect: statuses({ admin: 404, gateway: 200, enrolledGateway: 404 }, 404),
  },
  gatewayHeartbeat: {
    call: () => ({ payload: {} }),
    // The enrolled gateway heartbeats its own gateway, which no relay holds yet (400).
    expect: statuses({ admin: 404, gateway: 200, enrolledGateway: 400 }, 404),
  },
  listGateways: {
    call: () => ({}),
    expect: statuses({ admin: 200, member: 200, auditor: 200 }, 200),
  },
  deleteGateway: {
    call: async () => ({ params: { id: await freshGateway() } }),
    expect: statuses({ admin: 200 }, 404),
  },
  testGatewayConnection: {
    call: () => ({
      params: { id: gatewayId },
      payload: {
        targetHost: '127.0.0.1',
        targetPort: (echo.address() as net.AddressInfo).port,
        settleMs: 100,
      },
    }),
    expect: statuses({ admin: 200 }, 404),
  },
  gatewayConnectionDetails: {
    call: () => ({ params: { id: gatewayId }, payload: { targetHost: 'db', targetPort: 5432 } }),
    expect: statuses({ admin: 200 }, 404),
  },
  gatewayPamSessionKey: {
    call: () => ({}),
    // An admin identity has no gateway of its own: nothing to hand out.
    expect: statuses({ admin: 404, gateway: 200, enrolledGateway: 200 }, 404),
  },
  createEnrolledGateway: {
    call: () => ({ payload: { name: unique('egw'), authMethod: { method: 'token' } } }),
    expect: statuses({ admin: 200 }, 200),
  },
  generateGatewayEnrollmentToken: {
    call: async () => ({ params: { gatewayId: (await freshEnrolled('gateway')).id } }),
    expect: statuses({ admin: 200 }, 404),
  },
  revokeGatewayAccess: {
    call: async () => ({ params: { gatewayId: (await freshEnrolled('gateway')).id } }),
    expect: statuses({ admin: 200 }, 404),
  },
  enrollGateway: {
    call: () => ({ payload: { token: 'f'.repeat(64) } }),
    expect: everyone(401),
  },
  connectGateway: {
    // Only a gateway access token connects; an identity token of any role is refused (403).
    call: () => ({ payload: { relayName: 'fake-relay' } }),
    expect: statuses({ enrolledGateway: 200 }, 403),
  },
  createEnrolledRelay: {
    call: () => ({
      payload: {
        name: unique('erelay'),
        host: '127.0.0.1',
        sshPort: 32_000 + counter,
        tlsPort: 42_000 + counter,
        authMethod: { method: 'token' },
      },
    }),
    expect: statuses({ admin: 200 }, 200),
  },
  generateRelayEnrollmentToken: {
    call: async () => ({ params: { relayId: (await freshEnrolled('relay')).id } }),
    expect: statuses({ admin: 200 }, 404),
  },
  revokeRelayAccess: {
    call: async () => ({ params: { relayId: (await freshEnrolled('relay')).id } }),
    expect: statuses({ admin: 200 }, 404),
  },
  relayLogin: {
    call: () => ({ payload: { method: 'token', token: 'f'.repeat(64) } }),
    expect: everyone(401),
  },
  connectRelay: {
    call: () => ({ payload: {} }),
    expect: statuses({ enrolledRelay: 200 }, 403),
  },
  relayHeartbeat: {
    call: () => ({}),
    // Nothing listens on the enrolled relay's address: it is authorised, then unreachable (400).
    expect: statuses({ enrolledRelay: 400 }, 403),
  },
  createPamResource: {
    call: () => ({
      payload: {
        name: unique('res'),
        resourceType: 'postgres',
        gatewayId,
        connectionDetails: { host: 'db.internal', port: 5432, database: 'orders' },
      },
    }),
    expect: statuses({ admin: 200 }, 404),
  },
  listPamResources: { call: () => ({}), expect: statuses({ admin: 200, auditor: 200 }, 200) },
  updatePamResource: {
    call: () => ({
      params: { resourceId },
      payload: { connectionDetails: { host: 'db.internal', port: 5432, database: 'orders' } },
    }),
    expect: statuses({ admin: 200 }, 404),
  },
  deletePamResource: {
    call: async () => ({ params: { resourceId: await freshResource() } }),
    expect: statuses({ admin: 200 }, 404),
  },
  deletePamAccount: {
    call: async () => ({ params: { accountId: await freshAccount() } }),
    expect: statuses({ admin: 200 }, 404),
  },
  createPamAccount: {
    call: () => ({
      payload: {
        resourceId,
        name: unique('acc'),
        folderPath: 'staging',
        credentials: { username: 'app', password: 'pw' },
      },
    }),
    expect: statuses({ admin: 200 }, 404),
  },
  pamAccountSshCaPublicKey: {
    call: () => ({ params: { accountId: sshAccountId } }),
    expect: statuses({ admin: 200, auditor: 200 }, 404),
  },
  listPamAccounts: {
    call: () => ({}),
    expect: statuses({ admin: 200, member: 200, auditor: 200 }, 200),
  },
  createPamGrant: {
    call: async () => ({ payload: { identityId: await freshIdentity(), path: 'staging/' } }),
    expect: statuses({ admin: 200 }, 404),
  },
  listPamGrants: { call: () => ({}), expect: statuses({ admin: 200 }, 200) },
  deletePamGrant: {
    call: async () => ({ params: { grantId: await freshGrant() } }),
    expect: statuses({ admin: 200 }, 404),
  },
  accessPamAccount: {
    call: () => ({ payload: { path: 'prod/orders-db', duration: '1h' } }),
    // The member has a grant on prod/; admins need none; the other org has no such account.
    expect: statuses({ admin: 200, member: 200 }, 404),
  },
  pamSessionCredentials: {
    call: () => ({ params: { sessionId } }),
    expect: statuses({ gateway: 200 }, 404),
  },
  uploadPamSessionEvents: {
    call: () => ({ params: { sessionId }, query: { startOffset: '0' }, payload: [] }),
    expect: statuses({ gateway: 200 }, 404),
  },
  recordPamSessionChunk: {
    call: () => ({
      params: { sessionId },
      payload: {
        chunkIndex: 0,
        startElapsedMs: 0,
        endElapsedMs: 0,
        ciphertextSha256: '',
        ciphertextBytes: 1,
        iv: '',
      },
    }),
    // The gateway passes authorization; without an upload token its chunk is refused (400).
    expect: statuses({ gateway: 400 }, 404),
  },
  requestPamSessionChunkPresignedPut: {
    call: () => ({ params: { sessionId }, payload: { chunkIndex: 0, ciphertextBytes: 1 } }),
    // Burrow stores chunks inline: the gateway is told so (400), as by the reference.
    expect: statuses({ gateway: 400 }, 404),
  },
  endPamSession: {
    call: async () => ({ params: { sessionId: await freshSession() }, payload: {} }),
    // The session's user, its gateway and admins (pam.sessions.end-any).
    expect: statuses({ admin: 200, member: 200, gateway: 200 }, 404),
  },
  listPamSessions: {
    call: () => ({}),
    expect: statuses({ admin: 200, member: 200, auditor: 200 }, 200),
  },
  getPamSession: {
    call: () => ({ params: { sessionId } }),
    // The member is the session's own user.
    expect: statuses({ admin: 200, member: 200, auditor: 200 }, 404),
  },
  getPamAccountRotation: {
    call: () => ({ params: { accountId } }),
    expect: statuses({ admin: 200, auditor: 200 }, 404),
  },
  updatePamAccountRotation: {
    call: () => ({ params: { accountId }, payload: { rotationEnabled: false } }),
    expect: statuses({ admin: 200 }, 404),
  },
  rotatePamAccountPassword: {
    // db.internal does not resolve: the rotation is recorded as failed (200), nothing changes.
    call: () => ({ params: { accountId } }),
    expect: statuses({ admin: 200 }, 404),
  },
  createDynamicSecret: {
    call: () => ({ payload: dynamicSecretBody(unique('ds')) }),
    // The other organization does not have this gateway.
    expect: statuses({ admin: 200 }, 404),
  },
  listDynamicSecrets: {
    call: () => ({}),
    // Members see the secrets they have a grant on.
    expect: statuses({ admin: 200, member: 200, auditor: 200 }, 200),
  },
  getDynamicSecret: {
    call: () => ({ params: { name: 'orders-ro' } }),
    expect: statuses({ admin: 200, member: 200, auditor: 200 }, 404),
  },
  updateDynamicSecret: {
    call: () => ({ params: { name: 'orders-ro' }, payload: { data: { defaultTTL: '30m' } } }),
    expect: statuses({ admin: 200 }, 404),
  },
  deleteDynamicSecret: {
    call: async () => ({ params: { name: await freshDynamicSecret() } }),
    expect: statuses({ admin: 200 }, 404),
  },
  createDynamicSecretGrant: {
    call: async () => ({
      params: { name: 'orders-ro' },
      payload: { identityId: await freshIdentity() },
    }),
    expect: statuses({ admin: 200 }, 404),
  },
  listDynamicSecretGrants: {
    call: () => ({ params: { name: 'orders-ro' } }),
    expect: statuses({ admin: 200 }, 404),
  },
  deleteDynamicSecretGrant: {
    call: async () => {
      const { grant } = await ok<{ grant: { id: string } }>(
        admin.token,
        'POST',
        '/api/v1/dynamic-secrets/orders-ro/grants',
        { identityId: await freshIdentity() },
      );
      return { params: { name: 'orders-ro', grantId: grant.id } };
    },
    expect: statuses({ admin: 200 }, 404),
  },
  createDynamicSecretLease: {
    call: () => ({ payload: { dynamicSecretName: 'orders-ro', ttl: '5m' } }),
    // The member has a grant; the auditor, relay and gateway may lease nothing.
    expect: statuses({ admin: 200, member: 200 }, 404),
  },
  listDynamicSecretLeases: {
    call: () => ({ params: { name: 'orders-ro' } }),
    expect: statuses({ admin: 200, member: 200, auditor: 200 }, 404),
  },
  getDynamicSecretLease: {
    call: async () => ({ params: { leaseId: await freshLease() } }),
    // The lease is the member's own.
    expect: statuses({ admin: 200, member: 200, auditor: 200 }, 404),
  },
  renewDynamicSecretLease: {
    call: async () => ({ params: { leaseId: await freshLease() }, payload: { ttl: '1m' } }),
    expect: statuses({ admin: 200, member: 200 }, 404),
  },
  revokeDynamicSecretLease: {
    call: async () => ({ params: { leaseId: await freshLease() } }),
    expect: statuses({ admin: 200, member: 200 }, 404),
  },
  listAuditLogs: {
    call: () => ({}),
    expect: statuses({ admin: 200, auditor: 200 }, 200),
  },
} satisfies Record<keyof typeof routes, Row>;

const VAULT_ADMIN_PASSWORD = 'vault-admin-password-1';

function dynamicSecretBody(name: string) {
  return {
    name,
    provider: {
      type: 'sql-database',
      inputs: {
        client: 'postgres',
        gatewayId,
        host: '127.0.0.1',
        port: pg.port,
        database: 'orders',
        username: 'vault_admin',
        password: VAULT_ADMIN_PASSWORD,
      },
    },
    defaultTTL: '10m',
    maxTTL: '24h',
  };
}

async function freshDynamicSecret(): Promise<string> {
  const name = unique('ds');
  await ok(admin.token, 'POST', '/api/v1/dynamic-secrets', dynamicSecretBody(name));
  return name;
}

/** A lease the member took (so the member acts on its own lease). */
async function freshLease(): Promise<string> {
  const { lease } = await ok<{ lease: { id: string } }>(
    tokens.member,
    'POST',
    '/api/v1/dynamic-secrets/leases',
    { dynamicSecretName: 'orders-ro', ttl: '10m' },
  );
  return lease.id;
}

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await bootstrap(cp);
  tokens.admin = admin.token;
  ids.admin = admin.identityId;
  for (const role of ['member', 'auditor', 'relay', 'gateway'] as const) {
    const made = await identityWithToken(cp, admin, `${role}-caller`, role);
    tokens[role] = made.token;
    ids[role] = made.identityId;
  }
  for (const type of ['relay', 'gateway'] as const) {
    const enrolled = await freshEnrolled(type);
    const caller = type === 'relay' ? 'enrolledRelay' : 'enrolledGateway';
    tokens[caller] = await enrolledToken(type, enrolled.id);
    ids[caller] = enrolled.identityId;
  }
  // Another organization and its admin (bootstrap makes only the first organization).
  const otherAdmin = otherOrgIdentity(cp, 'admin');
  tokens.otherOrgAdmin = otherAdmin.token;
  ids.otherOrgAdmin = otherAdmin.identityId;

  fake = await FakeRelayGateway.start();
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  ({ gatewayId } = await registerFakeRelayGateway(cp, admin, fake, 'fake-gw', {
    relayIdentity: { identityId: ids.relay, token: tokens.relay },
    gatewayIdentity: { identityId: ids.gateway, token: tokens.gateway },
  }));

  ({
    resource: { id: resourceId },
  } = await ok<{ resource: { id: string } }>(admin.token, 'POST', '/api/v1/pam/resources', {
    name: 'orders',
    resourceType: 'postgres',
    gatewayId,
    connectionDetails: { host: 'db.internal', port: 5432, database: 'orders' },
  }));
  ({
    account: { id: accountId },
  } = await ok<{ account: { id: string } }>(admin.token, 'POST', '/api/v1/pam/accounts', {
    resourceId,
    name: 'orders-db',
    folderPath: 'prod',
    credentials: { username: 'app', password: 'pw' },
  }));
  const sshResource = await ok<{ resource: { id: string } }>(
    admin.token,
    'POST',
    '/api/v1/pam/resources',
    {
      name: 'bastion',
      resourceType: 'ssh',
      gatewayId,
      connectionDetails: {
        host: 'bastion.internal',
        port: 22,
        hostKeys: [formatSshPublicKeyLine(generateSshKeyPair('ed25519').publicKeyBlob)],
      },
    },
  );
  ({
    account: { id: sshAccountId },
  } = await ok<{ account: { id: string } }>(admin.token, 'POST', '/api/v1/pam/accounts', {
    resourceId: sshResource.resource.id,
    name: 'deploy',
    folderPath: 'ops',
    credentials: { username: 'deploy', authMethod: 'certificate' },
  }));
  await ok(admin.token, 'POST', '/api/v1/pam/grants', { identityId: ids.member, path: 'prod/' });
  sessionId = await freshSession();

  pg = await startPostgres();
  await pg.sql(
    `CREATE ROLE vault_admin WITH LOGIN CREATEROLE PASSWORD '${VAULT_ADMIN_PASSWORD}'; GRANT pg_signal_backend TO vault_admin;`,
  );
  await pg.sql('CREATE DATABASE orders OWNER vault_admin');
  await ok(admin.token, 'POST', '/api/v1/dynamic-secrets', dynamicSecretBody('orders-ro'));
  await ok(admin.token, 'POST', '/api/v1/dynamic-secrets/orders-ro/grants', {
    identityId: ids.member,
  });

  const uaId = await freshIdentity();
  const { identityUniversalAuth } = await ok<{ identityUniversalAuth: { clientId: string } }>(
    admin.token,
    'POST',
    `/api/v1/auth/universal-auth/identities/${uaId}`,
    {},
  );
  const { clientSecret } = await ok<{ clientSecret: string }>(
    admin.token,
    'POST',
    `/api/v1/auth/universal-auth/identities/${uaId}/client-secrets`,
    {},
  );
  uaIdentity = { identityId: uaId, clientId: identityUniversalAuth.clientId, clientSecret };
  renewable = await freshToken();
  for (const method of Object.keys(LOGIN_CONFIGS) as LoginMethod[]) {
    const id = await freshIdentity();
    await ok(
      admin.token,
      'POST',
      `/api/v1/auth/${slug(method)}/identities/${id}`,
      LOGIN_CONFIGS[method],
    );
    loginMethodIdentity[method] = id;
  }
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  await fake?.close();
  echo?.close();
  await cp?.close();
});

describe('role × route table', () => {
  it('has a row for every route of @burrow/platform-api, and no other', () => {
    expect(Object.keys(TABLE).sort()).toEqual(Object.keys(routes).sort());
  });

  describe.each(Object.keys(routes) as Array<keyof typeof routes>)('%s', (name) => {
    it.each(CALLERS)('%s', async (caller) => {
      const route = routes[name];
      const row: Row = TABLE[name];
      const { params = {}, query, payload } = await row.call(caller);
      let url = route.path.replace(/:(\w+)/g, (_match, key: string) => {
        const value = params[key];
        if (value === undefined) throw new Error(`${name}: no value for :${key}`);
        return value;
      });
      if (query) url += `?${new URLSearchParams(query).toString()}`;
      const token = caller === 'anonymous' ? undefined : tokens[caller];
      const res = await call(token, route.method, url, payload);
      const expected = row.expect[caller];
      expect({
        caller,
        status: res.statusCode,
        body: res.statusCode === expected ? '' : res.body,
      }).toEqual({
        caller,
        status: expected,
        body: '',
      });
      if (expected === 403) {
        const refusal = res.json<{ statusCode: number; error: string; message: string }>();
        expect(refusal).toMatchObject({ statusCode: 403, error: 'Forbidden' });
        expect(refusal.message.length).toBeGreaterThan(10);
      }
    });
  });
});
