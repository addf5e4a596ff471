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

function call(token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
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

describe('replacing an http or kubernetes account’s credential (PATCH, admin)', () => {
  const NEW_TOKEN = 'sa-token-rotated-5e6f';
  const credentialsOfNewSession = async (path: string) => {
    const access = await call(alice.token, 'POST', '/api/v1/pam/accounts/access', {
      path,
      duration: '5m',
    });
    expect(access.statusCode).toBe(200);
    const { sessionId } = access.json<{ sessionId: string }>();
    const res = await call(gw.token, 'GET', `/api/v1/pam/sessions/${sessionId}/credentials`);
    return res.json<{ credentials: Record<string, unknown> }>().credentials;
  };
  const accountId = async (path: string) =>
    (await call(admin.token, 'GET', '/api/v1/pam/accounts'))
      .json<{ accounts: { id: string; path: string }[] }>()
      .accounts.find((account) => account.path === path)?.id as string;

  it('a kubernetes token is replaced; new sessions get the new one, the answer never shows it', async () => {
    const url = `/api/v1/pam/accounts/${await accountId('web/viewer')}`;
    const res = await call(admin.token, 'PATCH', url, { credentials: { token: NEW_TOKEN } });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(NEW_TOKEN);
    expect(res.json<{ account: { authMethod: string } }>().account.authMethod).toBe(
      'service-account-token',
    );
    expect((await credentialsOfNewSession('web/viewer')).serviceAccountToken).toBe(NEW_TOKEN);
    // A field the method does not use is refused, naming it, and nothing changes.
    const wrong = await call(admin.token, 'PATCH', url, { credentials: { password: 'x' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json<{ message: string }>().message).toMatch(/credentials.password is not used/);
    expect((await credentialsOfNewSession('web/viewer')).serviceAccountToken).toBe(NEW_TOKEN);
  });

  it('an http account switches from basic to a header token; the header needs its name', async () => {
    const url = `/api/v1/pam/accounts/${await accountId('web/intranet')}`;
    const nameless = await call(admin.token, 'PATCH', url, {
      credentials: { authMethod: 'header', token: 'api-key-1' },
    });
    expect(nameless.statusCode).toBe(400);
    expect(nameless.json<{ message: string }>().message).toMatch(/headerName is required/);
    const res = await call(admin.token, 'PATCH', url, {
      credentials: { authMethod: 'header', headerName: 'X-Api-Key', token: 'api-key-1' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('api-key-1');
    expect(res.json<{ account: { authMethod: string } }>().account.authMethod).toBe('header');
    expect(await credentialsOfNewSession('web/intranet')).toMatchObject({
      authMethod: 'header',
      headerName: 'X-Api-Key',
      token: 'api-key-1',
    });
    // Not a method of http accounts.
    const ssh = await call(admin.token, 'PATCH', url, {
      credentials: { authMethod: 'password', password: 'x' },
    });
    expect(ssh.statusCode).toBe(400);
  });

  it('a member gets 403 and changes nothing', async () => {
    const url = `/api/v1/pam/accounts/${await accountId('web/viewer')}`;
    const res = await call(alice.token, 'PATCH', url, { credentials: { token: 'member-token' } });
    expect(res.statusCode).toBe(403);
    expect((await credentialsOfNewSession('web/viewer')).serviceAccountToken).toBe(NEW_TOKEN);
  });
});

describe('the audit log of inventory changes', () => {
  it('names who created and changed each resource, account and grant, and holds no secret', async () => {
    const res = await call(admin.token, 'GET', '/api/v1/organization/audit-logs?limit=200');
    expect(res.statusCode).toBe(200);
    for (const secret of [WEB_PASSWORD, SA_TOKEN, 'sa-token-rotated', 'api-key-1']) {
      expect(res.body).not.toContain(secret);
    }
    type Event = {
      eventType: string;
      actor: { identityId: string | null };
      resourceName: string;
      details: Record<string, string>;
    };
    const events = res.json<{ auditLogs: Event[] }>().auditLogs.reverse();
    const line = (e: Event) =>
      `${e.eventType} ${e.resourceName} ${Object.entries(e.details)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`;
    const lines = events.map(line);
    expect(lines).toContain('create-pam-resource intranet type=http');
    expect(lines).toContain('create-pam-resource cluster type=kubernetes');
    expect(lines).toContain(`create-pam-grant web/ identityId=${alice.identityId},identity=alice`);
    expect(lines).toContain(
      'create-pam-account web/viewer username=viewer,authMethod=service-account-token',
    );
    expect(lines).toContain(
      'update-pam-account web/intranet username=alice,authMethod=header,credentialsReplaced=yes,policyRulesReplaced=no',
    );
    // The refused PATCH (a member's, a wrong field) changed nothing and recorded nothing.
    expect(lines.filter((l) => l.startsWith('update-pam-account web/viewer'))).toHaveLength(1);
    const byAdmin = events.filter((e) => e.eventType.endsWith('-pam-account'));
    expect(new Set(byAdmin.map((e) => e.actor.identityId))).toEqual(new Set([admin.identityId]));
  });
});
