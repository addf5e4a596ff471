import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { repeatedJsonKeys } from '@burrow/test-support';
import { run, sshCertificateInfo, sshFingerprintOf, withFiles } from './support/cli-tools.ts';
import {
  auth,
  bootstrap,
  identityWithToken,
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
 * SSH PAM in the control plane (issue 15, SSH-CONTRACT.md): ssh resources with pinned host keys,
 * accounts with password / public-key / certificate logins and policy rules, the organization's
 * PAM SSH user CA, and the credentials answer the session's gateway gets. ssh-keygen makes the
 * keys and judges the certificates; every attacker of the trust model is refused the credentials.
 */
const SSH_PASSWORD = 'ssh-secret-c0rrect-h0rse';

let cp: TestControlPlane;
let admin: Bootstrapped;
let logs = '';
let gw: { identityId: string; token: string };
let gatewayId: string;
let alice: { identityId: string; token: string };
let bob: { identityId: string; token: string };
let auditor: { identityId: string; token: string };
let relayIdentity: { identityId: string; token: string };
let otherGateway: { identityId: string; token: string };
let otherOrgGateway: string;
let keys: {
  hostKey: string;
  hostKeyFile: string;
  userKey: string;
  userKeyPub: string;
  pemKey: string;
};
let resourceId: string;
const accounts: Record<string, string> = {};

function call(token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) {
  return cp.app.inject({
    method,
    url,
    headers: auth(token),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** Real keys from ssh-keygen: a target's host key, an account's key (OpenSSH and PEM). */
function makeKeys() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-cp-ssh-'));
  try {
    const keygen = (file: string, ...extra: string[]) =>
      run('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        'test',
        '-f',
        path.join(dir, file),
        ...extra,
      ]);
    keygen('host');
    keygen('user');
    run('ssh-keygen', [
      '-q',
      '-t',
      'ecdsa',
      '-b',
      '256',
      '-N',
      '',
      '-m',
      'PEM',
      '-f',
      path.join(dir, 'pem'),
    ]);
    const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
    return {
      hostKey: read('host.pub').trim(),
      hostKeyFile: read('host'),
      userKey: read('user'),
      userKeyPub: read('user.pub').trim(),
      pemKey: read('pem'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function createAccount(name: string, credentials: object, policyRules?: object) {
  const res = await call(admin.token, 'POST', '/api/v1/pam/accounts', {
    resourceId,
    name,
    folderPath: 'ops',
    credentials: { username: 'deploy', ...credentials },
    ...(policyRules ? { policyRules } : {}),
  });
  return res;
}

async function openSession(account: string, duration = '1h'): Promise<string> {
  const res = await call(alice.token, 'POST', '/api/v1/pam/accounts/access', {
    path: `ops/${account}`,
    duration,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ sessionId: string }>().sessionId;
}

async function fetchCredentials(sessionId: string, token = gw.token) {
  return call(token, 'GET', `/api/v1/pam/sessions/${sessionId}/credentials`);
}

beforeAll(async () => {
  keys = makeKeys();
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  cp = await startTestControlPlane({ logStream, logLevel: 'debug' });
  admin = await bootstrap(cp);
  ({ identity: relayIdentity } = await registerOrgRelay(cp, admin));
  ({ identity: gw, gatewayId } = await registerGateway(cp, admin, 'gw-identity', 'gw-1'));
  ({ identity: otherGateway } = await registerGateway(cp, admin, 'gw-2-identity', 'gw-2'));
  alice = await memberWithToken(cp, admin, 'alice');
  bob = await memberWithToken(cp, admin, 'bob');
  auditor = await identityWithToken(cp, admin, 'auditor', 'auditor');
  await grantPam(cp, admin, alice.identityId, 'ops/');
  // Another organization's gateway identity.
  otherOrgGateway = otherOrgGatewayToken(cp);
});
afterAll(async () => {
  await cp.close();
});

describe('ssh resources', () => {
  it('an ssh resource pins the target’s host key; admins and auditors read it back', async () => {
    const res = await call(admin.token, 'POST', '/api/v1/pam/resources', {
      name: 'bastion',
      resourceType: 'ssh',
      gatewayId,
      connectionDetails: { host: '10.0.0.5', port: 22, hostKeys: [`  ${keys.hostKey}\n`] },
    });
    expect(res.statusCode).toBe(200);
    const { resource } = res.json<{ resource: { id: string } }>();
    resourceId = resource.id;
    expect(resource).toMatchObject({
      resourceType: 'ssh',
      connectionDetails: { host: '10.0.0.5', port: 22, hostKeys: [keys.hostKey] },
    });
    const listed = await call(auditor.token, 'GET', '/api/v1/pam/resources');
    expect(listed.json<{ resources: unknown[] }>().resources).toContainEqual(resource);
    // ssh-keygen reads the stored key as the same key.
    expect(sshFingerprintOf(keys.hostKey)).toBe(
      sshFingerprintOf(
        (resource as unknown as { connectionDetails: { hostKeys: string[] } }).connectionDetails
          .hostKeys[0] as string,
      ),
    );
  });

  it('refuses an ssh resource without a host key or host CA (no trust on first use), bad keys, postgres fields', async () => {
    const body = (connectionDetails: object, name = 'x') => ({
      name,
      resourceType: 'ssh',
      gatewayId,
      connectionDetails: { host: 'h', port: 22, ...connectionDetails },
    });
    const refused = async (connectionDetails: object, message: RegExp) => {
      const res = await call(admin.token, 'POST', '/api/v1/pam/resources', body(connectionDetails));
      expect(res.statusCode).toBe(400);
      expect(res.json<{ message: string }>().message).toMatch(message);
    };
    await refused({}, /needs connectionDetails.hostKeys .* never trusts a host key on first use/);
    await refused(
      { hostKeys: [], hostCertificateAuthorities: [] },
      /needs connectionDetails.hostKeys/,
    );
    await refused(
      { hostKeys: [keys.hostKey, 'ssh-ed25519 AAAAnot-base64!'] },
      /hostKeys\[1\] is not an OpenSSH public key line/,
    );
    await refused(
      { hostCertificateAuthorities: ['hello'] },
      /hostCertificateAuthorities\[0\] is not an OpenSSH public key/,
    );
    // A certificate is not a host key.
    const cert = withFiles({ ca: keys.hostKeyFile, 'user.pub': keys.userKeyPub }, (p) => {
      run('ssh-keygen', [
        '-q',
        '-s',
        p.ca as string,
        '-I',
        'x',
        '-n',
        'x',
        p['user.pub'] as string,
      ]);
      return fs.readFileSync((p['user.pub'] as string).replace(/\.pub$/, '-cert.pub'), 'utf8');
    });
    await refused({ hostKeys: [cert.trim()] }, /hostKeys\[0\] is not an OpenSSH public key line/);
    await refused(
      { hostKeys: [keys.hostKey], database: 'd' },
      /connectionDetails.database is not a setting of a ssh resource/,
    );
    // …and a postgres resource without its database, or with ssh settings.
    const pg = await call(admin.token, 'POST', '/api/v1/pam/resources', {
      name: 'pg',
      resourceType: 'postgres',
      gatewayId,
      connectionDetails: { host: 'h', port: 5432, hostKeys: [keys.hostKey], database: 'd' },
    });
    expect(pg.statusCode).toBe(400);
    expect(pg.json<{ message: string }>().message).toMatch(
      /hostKeys is not a setting of a postgres resource/,
    );
    const noDb = await call(admin.token, 'POST', '/api/v1/pam/resources', {
      name: 'pg',
      resourceType: 'postgres',
      gatewayId,
      connectionDetails: { host: 'h', port: 5432 },
    });
    expect(noDb.statusCode).toBe(400);
    expect(noDb.json<{ message: string }>().message).toMatch(/database is required/);
    // Nothing was saved by the refusals.
    const listed = await call(admin.token, 'GET', '/api/v1/pam/resources');
    expect(
      listed.json<{ resources: Array<{ name: string }> }>().resources.map((r) => r.name),
    ).toEqual(['bastion']);
  });

  it('accepts a host CA alone', async () => {
    const res = await call(admin.token, 'POST', '/api/v1/pam/resources', {
      name: 'fleet',
      resourceType: 'ssh',
      gatewayId,
      connectionDetails: {
        host: 'fleet.internal',
        port: 2222,
        hostCertificateAuthorities: [keys.userKeyPub],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      resource: { connectionDetails: { hostCertificateAuthorities: [keys.userKeyPub] } },
    });
  });
});

describe('ssh accounts', () => {
  it('password, public-key (OpenSSH or PEM) and certificate accounts; no secret in any answer, sealed at rest', async () => {
    const made = [
      await createAccount(
        'pw',
        { authMethod: 'password', password: SSH_PASSWORD },
        {
          'command-blocking': { patterns: ['^rm -rf', 'shutdown'] },
          'session-log-masking': { patterns: ['password=\\S+'] },
        },
      ),
      await createAccount('key', { authMethod: 'public-key', privateKey: keys.userKey }),
      await createAccount('pem', { authMethod: 'public-key', privateKey: keys.pemKey }),
      await createAccount('cert', { authMethod: 'certificate' }),
    ];
    for (const res of made) {
      expect(res.statusCode).toBe(200);
      const { account } = res.json<{ account: { id: string; name: string } }>();
      accounts[account.name] = account.id;
    }
    expect(made[0]?.json()).toMatchObject({
      account: {
        path: 'ops/pw',
        resourceType: 'ssh',
        username: 'deploy',
        authMethod: 'password',
        policyRules: {
          'command-blocking': { patterns: ['^rm -rf', 'shutdown'] },
          'session-log-masking': { patterns: ['password=\\S+'] },
        },
      },
    });
    expect(made[3]?.json()).toMatchObject({ account: { authMethod: 'certificate' } });
    const listedByAlice = await call(alice.token, 'GET', '/api/v1/pam/accounts');
    const listedByAdmin = await call(admin.token, 'GET', '/api/v1/pam/accounts');
    expect(listedByAlice.json<{ accounts: unknown[] }>().accounts).toHaveLength(4);
    const keyBody = keys.userKey.split('\n')[1] as string;
    for (const body of [...made.map((r) => r.body), listedByAlice.body, listedByAdmin.body]) {
      expect(body).not.toContain(SSH_PASSWORD);
      expect(body).not.toContain(keyBody);
      expect(body).not.toContain('PRIVATE KEY');
    }
    cp.context.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const name of fs.readdirSync(cp.dataDir)) {
      const file = path.join(cp.dataDir, name);
      if (!fs.statSync(file).isFile()) continue;
      const bytes = fs.readFileSync(file);
      expect(bytes.includes(Buffer.from(SSH_PASSWORD))).toBe(false);
      expect(bytes.includes(Buffer.from(keyBody))).toBe(false);
    }
  });

  it('refuses incoherent logins, unusable keys and patterns that do not compile, quoting no secret', async () => {
    const refused = async (credentials: object, message: RegExp, policyRules?: object) => {
      const res = await createAccount('bad', credentials, policyRules);
      expect(res.statusCode).toBe(400);
      const answer = res.json<{ message: string }>().message;
      expect(answer).toMatch(message);
      expect(answer).not.toContain(SSH_PASSWORD);
      expect(answer).not.toContain('PRIVATE KEY');
    };
    await refused({ password: SSH_PASSWORD }, /authMethod is required for an ssh account/);
    await refused({ authMethod: 'password' }, /password is required for authMethod password/);
    await refused({ authMethod: 'public-key' }, /privateKey is required for authMethod public-key/);
    await refused(
      { authMethod: 'public-key', privateKey: keys.userKey, password: SSH_PASSWORD },
      /password is not used with authMethod public-key/,
    );
    await refused(
      { authMethod: 'certificate', password: SSH_PASSWORD },
      /password is not used with authMethod certificate/,
    );
    await refused(
      { authMethod: 'public-key', privateKey: keys.userKeyPub },
      /neither an OpenSSH nor an unencrypted PEM private key/,
    );
    const truncated =
      keys.userKey.split('\n').slice(0, 3).join('\n') + '\n-----END OPENSSH PRIVATE KEY-----\n';
    await refused(
      { authMethod: 'public-key', privateKey: truncated },
      /not a usable OpenSSH private key/,
    );
    const encrypted = (() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-cp-ssh-'));
      try {
        run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'passphrase', '-f', path.join(dir, 'k')]);
        return fs.readFileSync(path.join(dir, 'k'), 'utf8');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    })();
    await refused(
      { authMethod: 'public-key', privateKey: encrypted },
      /encrypted private keys .* are not supported/,
    );
    await refused(
      { authMethod: 'certificate' },
      /policyRules.command-blocking.patterns\[1\] is not a valid regular expression/,
      {
        'command-blocking': { patterns: ['ok', '(unclosed'] },
      },
    );
    // A postgres resource's account takes neither an authMethod nor policy rules.
    const pg = await call(admin.token, 'POST', '/api/v1/pam/resources', {
      name: 'orders',
      resourceType: 'postgres',
      gatewayId,
      connectionDetails: { host: 'db', port: 5432, database: 'orders' },
    });
    const pgAccount = await call(admin.token, 'POST', '/api/v1/pam/accounts', {
      resourceId: pg.json<{ resource: { id: string } }>().resource.id,
      name: 'orders',
      folderPath: 'ops',
      credentials: { username: 'app', password: 'pw' },
      policyRules: { 'command-blocking': { patterns: ['x'] } },
    });
    expect(pgAccount.statusCode).toBe(400);
    expect(pgAccount.json<{ message: string }>().message).toMatch(
      /policyRules are settings of ssh accounts/,
    );
    const listed = await call(admin.token, 'GET', '/api/v1/pam/accounts');
    expect(
      listed.json<{ accounts: Array<{ name: string }> }>().accounts.map((a) => a.name),
    ).not.toContain('bad');
  });

  it('the organization’s PAM SSH CA: one ed25519 key for every ssh account, for inventory readers only', async () => {
    const url = (id: string) => `/api/v1/pam/accounts/${id}/ssh-ca-public-key`;
    const res = await call(admin.token, 'GET', url(accounts.cert as string));
    expect(res.statusCode).toBe(200);
    const { publicKey } = res.json<{ publicKey: string }>();
    expect(publicKey).toMatch(/^ssh-ed25519 AAAA\S+$/);
    expect(sshFingerprintOf(publicKey)).toMatch(/^SHA256:/);
    expect((await call(auditor.token, 'GET', url(accounts.pw as string))).json()).toEqual({
      publicKey,
    });
    expect((await call(alice.token, 'GET', url(accounts.cert as string))).statusCode).toBe(403);
    expect((await call(otherOrgGateway, 'GET', url(accounts.cert as string))).statusCode).toBe(403);
  });
});

describe('ssh session credentials', () => {
  it('password and public-key accounts: the login, the pinned host keys and the policy rules', async () => {
    const pwSession = await openSession('pw');
    const pw = await fetchCredentials(pwSession);
    expect(pw.statusCode).toBe(200);
    expect(pw.json()).toMatchObject({
      credentials: {
        host: '10.0.0.5',
        port: 22,
        username: 'deploy',
        authMethod: 'password',
        password: SSH_PASSWORD,
        hostKeys: [keys.hostKey],
      },
      policyRules: {
        'command-blocking': { patterns: ['^rm -rf', 'shutdown'] },
        'session-log-masking': { patterns: ['password=\\S+'] },
      },
    });
    expect(pw.json<{ credentials: object }>().credentials).not.toHaveProperty('privateKey');

    const key = (await fetchCredentials(await openSession('key'))).json<{
      credentials: Record<string, unknown>;
      policyRules?: unknown;
    }>();
    expect(key.credentials).toMatchObject({ authMethod: 'public-key', hostKeys: [keys.hostKey] });
    expect(key.credentials).not.toHaveProperty('password');
    expect(key.policyRules).toBeUndefined();
    // The very key the admin gave: ssh-keygen derives the same public key from it.
    const derived = withFiles({ k: key.credentials.privateKey as string }, (p) =>
      run('ssh-keygen', ['-y', '-f', p.k as string]),
    );
    expect(derived.split(' ').slice(0, 2)).toEqual(keys.userKeyPub.split(' ').slice(0, 2));

    // A PEM key is handed out in OpenSSH format, as the same key.
    const pem = (await fetchCredentials(await openSession('pem'))).json<{
      credentials: { privateKey: string };
    }>();
    expect(pem.credentials.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    const fromPem = withFiles({ k: pem.credentials.privateKey }, (p) =>
      run('ssh-keygen', ['-y', '-f', p.k as string]),
    );
    const pemDerived = withFiles({ k: keys.pemKey }, (p) =>
      run('ssh-keygen', ['-y', '-f', p.k as string]),
    );
    expect(fromPem).toMatch(/^ecdsa-sha2-nistp256 /);
    expect(fromPem.split(' ').slice(0, 2)).toEqual(pemDerived.split(' ').slice(0, 2));
  });

  it('certificate accounts: a fresh key pair and a certificate of the org CA for the username, valid until the session ends at the latest', async () => {
    const before = Date.now();
    const sessionId = await openSession('cert', '30m');
    const first = (await fetchCredentials(sessionId)).json<{
      credentials: {
        privateKey: string;
        certificate: string;
        authMethod: string;
        username: string;
      };
      expiresAt: string;
    }>();
    expect(first.credentials.authMethod).toBe('certificate');
    const { publicKey: caKey } = (
      await call(admin.token, 'GET', `/api/v1/pam/accounts/${accounts.cert}/ssh-ca-public-key`)
    ).json<{ publicKey: string }>();
    const info = sshCertificateInfo(first.credentials.certificate);
    expect(info.type).toBe('ssh-ed25519-cert-v01@openssh.com user certificate');
    expect(info.principals).toEqual(['deploy']);
    expect(info.keyId).toBe(`burrow-pam-session:${sessionId}`);
    expect(info.signingCa).toBe(sshFingerprintOf(caKey));
    expect(info.validTo.getTime()).toBeLessThanOrEqual(Date.parse(first.expiresAt));
    expect(info.validTo.getTime()).toBeGreaterThan(before + 29 * 60_000);
    expect(info.validFrom.getTime()).toBeGreaterThanOrEqual(before - 2 * 60_000);
    expect(info.text).toMatch(/Extensions:\s*\n\s*permit-pty\s*\n/);
    expect(info.text).not.toMatch(/permit-port-forwarding|permit-agent-forwarding/);
    // The private key is the certificate's key.
    const derived = withFiles({ k: first.credentials.privateKey }, (p) =>
      run('ssh-keygen', ['-y', '-f', p.k as string]),
    );
    const certKey = withFiles({ 'c-cert.pub': first.credentials.certificate }, (p) =>
      run('ssh-keygen', ['-L', '-f', p['c-cert.pub'] as string]),
    );
    expect(certKey).toContain(`Public key: ED25519-CERT ${sshFingerprintOf(derived)}`);
    // Every fetch makes a new key pair: none is stored.
    const second = (await fetchCredentials(sessionId)).json<{
      credentials: { privateKey: string };
    }>();
    expect(second.credentials.privateKey).not.toBe(first.credentials.privateKey);
    expect(logs).not.toContain(first.credentials.privateKey.split('\n')[1] as string);
  });

  it('nobody but the session’s gateway gets ssh credentials: another org’s gateway, another gateway, a member without a grant, the session’s own user, the relay, an admin', async () => {
    const sessionId = await openSession('pw');
    const expectations: Array<[string, string, number]> = [
      ['another organization’s gateway', otherOrgGateway, 404],
      ['another gateway of the organization', otherGateway.token, 403],
      ['a member without a grant', bob.token, 403],
      ['the session’s own user', alice.token, 403],
      ['the relay identity', relayIdentity.token, 403],
      ['an admin', admin.token, 403],
      ['an auditor', auditor.token, 403],
    ];
    for (const [who, token, status] of expectations) {
      const res = await fetchCredentials(sessionId, token);
      expect({ who, status: res.statusCode }).toEqual({ who, status });
      expect(res.body).not.toContain(SSH_PASSWORD);
    }
    // Bob cannot open a session on it either.
    const bobs = await call(bob.token, 'POST', '/api/v1/pam/accounts/access', {
      path: 'ops/pw',
      duration: '1h',
    });
    expect(bobs.statusCode).toBe(403);
    // Nor read the CA-signed login of someone else's certificate session.
    const certSession = await openSession('cert');
    for (const [, token, status] of expectations) {
      expect((await fetchCredentials(certSession, token)).statusCode).toBe(status);
    }
  });

  it('access answers the ssh account without a database; the gateway certificate names the ssh target', async () => {
    const res = await call(alice.token, 'POST', '/api/v1/pam/accounts/access', {
      path: 'ops/pw',
      duration: '1h',
    });
    const grant = res.json<{
      resourceType: string;
      accountType: string;
      metadata: Record<string, string>;
    }>();
    expect(grant).toMatchObject({ resourceType: 'ssh', accountType: 'ssh' });
    expect(grant.metadata).toEqual({
      username: 'deploy',
      accountName: 'pw',
      resourceName: 'bastion',
    });
    expect(res.body).not.toContain(SSH_PASSWORD);
  });
});

describe('updating ssh accounts', () => {
  it('rotates the password, switches the method, replaces the rules; a bad update changes nothing', async () => {
    const url = `/api/v1/pam/accounts/${accounts.pw}`;
    const bad = await call(admin.token, 'PATCH', url, {
      credentials: { password: 'new-password-1' },
      policyRules: { 'session-log-masking': { patterns: ['['] } },
    });
    expect(bad.statusCode).toBe(400);
    let creds = (await fetchCredentials(await openSession('pw'))).json<{
      credentials: { password: string };
    }>();
    expect(creds.credentials.password).toBe(SSH_PASSWORD);

    expect(
      (await call(admin.token, 'PATCH', url, { credentials: { password: 'new-password-1' } }))
        .statusCode,
    ).toBe(200);
    creds = (await fetchCredentials(await openSession('pw'))).json();
    expect(creds.credentials.password).toBe('new-password-1');

    const switched = await call(admin.token, 'PATCH', url, {
      credentials: { authMethod: 'public-key', privateKey: keys.userKey },
      policyRules: {},
    });
    expect(switched.statusCode).toBe(200);
    expect(switched.json<{ account: object }>().account).toMatchObject({
      authMethod: 'public-key',
    });
    expect(switched.json<{ account: object }>().account).not.toHaveProperty('policyRules');
    const after = (await fetchCredentials(await openSession('pw'))).json<{
      credentials: Record<string, unknown>;
      policyRules?: unknown;
    }>();
    expect(after.credentials).toMatchObject({ authMethod: 'public-key' });
    expect(after.credentials).not.toHaveProperty('password');
    expect(after.policyRules).toBeUndefined();

    expect((await call(admin.token, 'PATCH', url, {})).statusCode).toBe(400);
    expect(
      (await call(admin.token, 'PATCH', url, { credentials: { password: 'x' } })).statusCode,
    ).toBe(400);
    expect(
      (await call(alice.token, 'PATCH', url, { credentials: { privateKey: keys.userKey } }))
        .statusCode,
    ).toBe(403);
  });

  it('never logs a password or a private key; one key per log line', () => {
    expect(logs).toContain('PAM session credentials handed to the gateway');
    expect(logs).not.toContain(SSH_PASSWORD);
    expect(logs).not.toContain('new-password-1');
    expect(logs).not.toContain(keys.userKey.split('\n')[1] as string);
    expect(logs).not.toContain('PRIVATE KEY');
    const lines = logs.split('\n').filter((line) => line !== '');
    expect(lines.flatMap(repeatedJsonKeys)).toEqual([]);
  });
});
