import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createControlPlane } from '../src/index.ts';
import {
  auth,
  bootstrap,
  identityWithToken,
  RELAY_AUTH_SECRET,
} from './support/test-control-plane.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-cp-data-'));
  dirs.push(dir);
  return path.join(dir, 'data');
}
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function mode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

/** Registers an org relay and a gateway, so every kind of CA exists. */
async function exercise(cp: Awaited<ReturnType<typeof createControlPlane>>) {
  const admin = await bootstrap(cp);
  const relayId = await identityWithToken(cp, admin, 'relay', 'relay');
  const relay = await cp.app.inject({
    method: 'POST',
    url: '/api/v1/relays/register-org-relay',
    headers: auth(relayId.token),
    payload: { host: '127.0.0.1', name: 'r1' },
  });
  expect(relay.statusCode).toBe(200);
  const gw = await identityWithToken(cp, admin, 'gw', 'gateway');
  const gateway = await cp.app.inject({
    method: 'POST',
    url: '/api/v2/gateways',
    headers: auth(gw.token),
    payload: { relayName: 'r1', name: 'g1' },
  });
  expect(gateway.statusCode).toBe(200);
  const instance = await cp.app.inject({
    method: 'POST',
    url: '/api/v1/relays/register-instance-relay',
    headers: { authorization: `Bearer ${RELAY_AUTH_SECRET}` },
    payload: { host: '127.0.0.1', name: 'shared', sshPort: 3222, tlsPort: 9443 },
  });
  expect(instance.statusCode).toBe(200);
  return {
    admin,
    relay: relay.json<{ pki: { clientCertificateChain: string } }>(),
    gwToken: gw.token,
  };
}

describe('data directory', () => {
  it('creates the data dir 0700, the database and root.key 0600, and never stores CA keys in plaintext', async () => {
    const dataDir = tempDir();
    const cp = await createControlPlane({
      dataDir,
      relayAuthSecret: RELAY_AUTH_SECRET,
      logLevel: 'silent',
    });
    try {
      await exercise(cp);
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(path.join(dataDir, 'burrow.sqlite'))).toBe(0o600);
      expect(mode(path.join(dataDir, 'root.key'))).toBe(0o600);
      for (const extra of ['burrow.sqlite-wal', 'burrow.sqlite-shm']) {
        const file = path.join(dataDir, extra);
        if (fs.existsSync(file)) expect(mode(file)).toBe(0o600);
      }
      const cas = cp.context.db.prepare('SELECT scope, kind FROM certificate_authorities').all();
      expect(cas.length).toBeGreaterThanOrEqual(13);
      cp.context.db.pragma('wal_checkpoint(TRUNCATE)');
      const bytes = Buffer.concat(
        fs.readdirSync(dataDir).map((f) => fs.readFileSync(path.join(dataDir, f))),
      ).toString('latin1');
      expect(bytes).toContain('BEGIN CERTIFICATE'); // the grep below would find text if it were there
      expect(bytes).not.toContain('PRIVATE KEY');
    } finally {
      await cp.app.close();
    }
  });

  it('keeps its CAs across restarts with the same root key, and refuses a different one', async () => {
    const dataDir = tempDir();
    const first = await createControlPlane({
      dataDir,
      relayAuthSecret: RELAY_AUTH_SECRET,
      logLevel: 'silent',
    });
    const { relay } = await exercise(first);
    const rootKey = fs.readFileSync(path.join(dataDir, 'root.key'), 'utf8');
    await first.app.close();

    const second = await createControlPlane({ dataDir, logLevel: 'silent' });
    expect(second.rootKeySource).toBe('file');
    expect(fs.readFileSync(path.join(dataDir, 'root.key'), 'utf8')).toBe(rootKey);
    const ca = await second.context.cas.x509(
      (second.context.db.prepare('SELECT id FROM organizations').get() as { id: string }).id,
      'relay-client',
    );
    expect(relay.pki.clientCertificateChain.startsWith(ca.certificatePem.trim())).toBe(true);
    await second.app.close();

    await expect(
      createControlPlane({ dataDir, encryptionKey: Buffer.alloc(32, 7), logLevel: 'silent' }),
    ).rejects.toThrow(/ENCRYPTION_KEY does not decrypt the stored CA keys/);
  });
});

describe('logs', () => {
  it('never contain tokens, client secrets, passwords or private keys', async () => {
    const lines: string[] = [];
    const logStream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const cp = await createControlPlane({
      dataDir: tempDir(),
      relayAuthSecret: RELAY_AUTH_SECRET,
      logLevel: 'trace',
      logStream: logStream as never,
    });
    try {
      const { admin } = await exercise(cp);
      const identity = await cp.app.inject({
        method: 'POST',
        url: '/api/v1/identities',
        headers: auth(admin.token),
        payload: { name: 'ua', organizationId: admin.orgId },
      });
      const id = identity.json<{ identity: { id: string } }>().identity.id;
      const ua = await cp.app.inject({
        method: 'POST',
        url: `/api/v1/auth/universal-auth/identities/${id}`,
        headers: auth(admin.token),
        payload: {},
      });
      const secret = await cp.app.inject({
        method: 'POST',
        url: `/api/v1/auth/universal-auth/identities/${id}/client-secrets`,
        headers: auth(admin.token),
        payload: {},
      });
      const clientSecret = secret.json<{ clientSecret: string }>().clientSecret;
      const login = await cp.app.inject({
        method: 'POST',
        url: '/api/v1/auth/universal-auth/login',
        payload: {
          clientId: ua.json<{ identityUniversalAuth: { clientId: string } }>().identityUniversalAuth
            .clientId,
          clientSecret,
        },
      });
      const accessToken = login.json<{ accessToken: string }>().accessToken;
      await cp.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token/revoke',
        payload: { accessToken },
      });
      const log = lines.join('');
      expect(log).toContain('universal auth login');
      for (const secretText of [
        admin.token,
        clientSecret,
        accessToken,
        RELAY_AUTH_SECRET,
        'correct horse',
        'PRIVATE KEY',
      ]) {
        expect(log).not.toContain(secretText);
      }
    } finally {
      await cp.app.close();
    }
  });
});

describe('health and docs', () => {
  it('serves /healthz, /readyz and the OpenAPI document at /docs', async () => {
    const cp = await createControlPlane({ dataDir: ':memory:', logLevel: 'silent' });
    try {
      expect((await cp.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
        status: 'ok',
      });
      expect((await cp.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
        status: 'ready',
      });
      const ui = await cp.app.inject({ method: 'GET', url: '/docs' });
      expect([200, 302]).toContain(ui.statusCode);
      const spec = (await cp.app.inject({ method: 'GET', url: '/docs/json' })).json<{
        openapi: string;
        paths: Record<string, unknown>;
      }>();
      expect(spec.openapi).toMatch(/^3\./);
      for (const route of [
        '/api/v1/admin/bootstrap',
        '/api/v1/identities',
        '/api/v1/auth/universal-auth/login',
        '/api/v1/auth/token-auth/identities/{identityId}/tokens',
        '/api/v1/auth/token/renew',
        '/api/v1/relays/register-instance-relay',
        '/api/v2/gateways',
        '/api/v2/gateways/heartbeat',
        '/api/v2/gateways/{id}/test-connection',
      ]) {
        expect(Object.keys(spec.paths)).toContain(route);
      }
    } finally {
      await cp.app.close();
    }
  });
});
