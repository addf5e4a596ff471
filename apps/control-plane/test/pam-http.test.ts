import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  auth,
  bootstrap,
  memberWithToken,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';
import {
  grantPam,
  otherOrgGatewayToken,
  registerGateway,
  registerOrgRelay,
} from './support/org-setup.ts';

/**
 * PAM web applications and Kubernetes in the control plane (issue 16): what is saved, what the
 * session's gateway gets, and every attacker of the trust model refused — a member without a
 * grant, another gateway, another organization's gateway, the person, and testConnection asked by
 * a member. The token/password is answered to the session's gateway only.
 */
const WEB_PASSWORD = 'web-Pw-9d8c7b';
const SA_TOKEN = 'sa-token-1a2b3c4d';

let cp: TestControlPlane;
let admin: Bootstrapped;
let gw: { identityId: string; token: string };
let otherGateway: { identityId: string; token: string };
let alice: { identityId: string; token: string };
let bob: { identityId: string; token: string };
let otherOrgGateway: string;
let gatewayId: string;
let webId: string;
let k8sId: string;

function call(token: string, method: 'GET' | 'POST', url: string, payload?: object) {
  return cp.app.inject({ method, url, headers: auth(token), ...(payload ? { payload } : {}) });
}

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await bootstrap(cp);
  await registerOrgRelay(cp, admin);
  ({ identity: gw, gatewayId } = await registerGateway(cp, admin, 'gw-identity', 'gw-1'));
  ({ identity: otherGateway } = await registerGateway(cp, admin, 'gw-2-identity', 'gw-2'));
  alice = await memberWithToken(cp, admin, 'alice');
  bob = await memberWithToken(cp, admin, 'bob');
  await grantPam(cp, admin, alice.identityId, 'web/');
  otherOrgGateway = otherOrgGatewayToken(cp);
});

afterAll(async () => {
  await cp.close();
});

describe('http and kubernetes resources and accounts', () => {
  it('saves an http origin and refuses what is not one, naming the field', async () => {
    const web = await call(admin.token, 'POST', '/api/v1/pam/resources', {
      name: 'intranet',
      resourceType: 'http',
      gatewayId,
      connectionDetails: { url: 'https://intranet.internal:8443', testPath: '/private/' },
    });
    expect(web.statusCode).toBe(200);
    webId = web.json<{ resource: { id: string } }>().resource.id;
    for (const [details, message] of [
      [{ url: 'https://intranet.internal/app' }, /must be an http\(s\) origin/],
      [{ url: 'https://user:pw@intranet.internal' }, /must be an http\(s\) origin/],
      [
        { url: 'https://x.internal', host: 'x', port: 1 },
        /host, port are not a setting of a http resource/,
      ],
      [{}, /connectionDetails.url is required/],
    ] as const) {
      const res = await call(admin.token, 'POST', '/api/v1/pam/resources', {
        name: 'bad',
        resourceType: 'http',
        gatewayId,
        connectionDetails: details,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ message: string }>().message).toMatch(message);
    }
    const k8s = await call(admin.token, 'POST', '/api/v1/pam/resources', {
      name: 'cluster',
      resourceType: 'kubernetes',
      gatewayId,
      connectionDetails: { url: 'https://10.0.0.10:6443' },
    });
    expect(k8s.statusCode).toBe(200);
    k8sId = k8s.json<{ resource: { id: string } }>().resource.id;
  });

  it('checks each auth method’s fields and never answers the secret', async () => {
    const bad = await call(admin.token, 'POST', '/api/v1/pam/accounts', {
      resourceId: webId,
      name: 'x',
      folderPath: 'web',
      credentials: { username: 'alice', authMethod: 'header', token: 't' },
    });
    expect(bad.json<{ message: string }>().message).toMatch(/headerName is required/);
    const injected = await call(admin.token, 'POST', '/api/v1/pam/accounts', {
      resourceId: webId,
      name: 'x',
      folderPath: 'web',
      credentials: { username: 'alice', authMethod: 'bearer', token: 'a\r\nX-Evil: 1' },
    });
    expect(injected.json<{ message: string }>().message).toMatch(/line break/);
    const web = await call(admin.token, 'POST', '/api/v1/pam/accounts', {
      resourceId: webId,
      name: 'intranet',
      folderPath: 'web',
      credentials: { username: 'alice', authMethod: 'basic', password: WEB_PASSWORD },
    });
    expect(web.statusCode).toBe(200);
    expect(web.body).not.toContain(WEB_PASSWORD);
    expect(web.json<{ account: { authMethod: string } }>().account.authMethod).toBe('basic');
    const k8s = await call(admin.token, 'POST', '/api/v1/pam/accounts', {
      resourceId: k8sId,
      name: 'viewer',
      folderPath: 'web',
      credentials: { username: 'viewer', token: SA_TOKEN },
    });
    expect(k8s.statusCode).toBe(200);
    expect(k8s.body).not.toContain(SA_TOKEN);
  });

  it('a member may not make the control plane probe the network (testConnection)', async () => {
    const res = await call(alice.token, 'POST', '/api/v1/pam/resources', {
      name: 'probe',
      resourceType: 'http',
      gatewayId,
      connectionDetails: { url: 'http://10.0.0.1:80' },
      testConnection: true,
    });
    expect(res.statusCode).toBe(403);
  });

  it('gives the credentials to the session’s gateway only; a member without a grant gets no session', async () => {
    expect(
      (
        await call(bob.token, 'POST', '/api/v1/pam/accounts/access', {
          path: 'web/intranet',
          duration: '5m',
        })
      ).statusCode,
    ).toBe(403);
    const access = await call(alice.token, 'POST', '/api/v1/pam/accounts/access', {
      path: 'web/intranet',
      duration: '5m',
    });
    expect(access.statusCode).toBe(200);
    const grant = access.json<{ sessionId: string; metadata: { url: string } }>();
    expect(grant.metadata.url).toBe('https://intranet.internal:8443');
    const url = `/api/v1/pam/sessions/${grant.sessionId}/credentials`;
    const own = await call(gw.token, 'GET', url);
    expect(own.statusCode).toBe(200);
    expect(own.json<{ credentials: object }>().credentials).toEqual({
      url: 'https://intranet.internal:8443',
      authMethod: 'basic',
      username: 'alice',
      password: WEB_PASSWORD,
      sslRejectUnauthorized: true,
    });
    expect((await call(otherGateway.token, 'GET', url)).statusCode).toBe(403);
    expect((await call(alice.token, 'GET', url)).statusCode).toBe(403);
    expect((await call(otherOrgGateway, 'GET', url)).statusCode).toBe(404);

    const k8s = await call(alice.token, 'POST', '/api/v1/pam/accounts/access', {
      path: 'web/viewer',
      duration: '5m',
    });
    const k8sCredentials = await call(
      gw.token,
      'GET',
      `/api/v1/pam/sessions/${k8s.json<{ sessionId: string }>().sessionId}/credentials`,
    );
    expect(k8sCredentials.json<{ credentials: object }>().credentials).toEqual({
      url: 'https://10.0.0.10:6443',
      authMethod: 'service-account-token',
      serviceAccountToken: SA_TOKEN,
      serviceAccountName: 'viewer',
      sslRejectUnauthorized: true,
    });
  });
});
