import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { freePort } from '@burrow/test-support';
import { relayServerChainPem } from '../src/services/relay-credentials.ts';
import { run, sshCertificateInfo, sshFingerprintOf, withFiles } from './support/cli-tools.ts';
import {
  auth,
  bootstrap,
  identityWithToken,
  RELAY_AUTH_SECRET,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

interface RelayReply {
  relayId: string;
  pki: { serverCertificate: string; serverPrivateKey: string; clientCertificateChain: string };
  ssh: { serverCertificate: string; serverPrivateKey: string; clientCAPublicKey: string };
}

let cp: TestControlPlane;
let admin: Bootstrapped;
let relayIdentity: { identityId: string; token: string };
let logs = '';

beforeAll(async () => {
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  cp = await startTestControlPlane({ logStream, logLevel: 'info' });
  admin = await bootstrap(cp);
  relayIdentity = await identityWithToken(cp, admin, 'relay-identity', 'relay');
});
afterAll(async () => {
  await cp.close();
});

const DAY = 24 * 60 * 60 * 1000;

function registerOrg(token: string, payload: object) {
  return cp.app.inject({
    method: 'POST',
    url: '/api/v1/relays/register-org-relay',
    headers: auth(token),
    payload,
  });
}

function registerInstance(authorization: string | undefined, payload: object) {
  return cp.app.inject({
    method: 'POST',
    url: '/api/v1/relays/register-instance-relay',
    headers: authorization === undefined ? {} : { authorization },
    payload,
  });
}

describe('org relay registration', () => {
  let reply: RelayReply;

  beforeAll(async () => {
    const res = await registerOrg(relayIdentity.token, { host: '127.0.0.1', name: 'edge-1' });
    expect(res.statusCode).toBe(200);
    reply = res.json<RelayReply>();
  });

  it('issues a TLS server certificate for the host that verifies against the relay server chain', async () => {
    const relay = cp.context.relays.findOrgRelay(admin.orgId, 'edge-1');
    expect(relay).toBeDefined();
    const chain = await relayServerChainPem(cp.context.cas, relay!);
    withFiles(
      { cert: reply.pki.serverCertificate, chain, key: reply.pki.serverPrivateKey },
      (p) => {
        const text = run('openssl', ['x509', '-in', p.cert!, '-noout', '-text']);
        expect(text).toMatch(/Subject: .*CN\s*=\s*127\.0\.0\.1/);
        expect(text).toMatch(new RegExp(`O\\s*=\\s*${admin.orgId}`));
        expect(text).toMatch(/OU\s*=\s*Relay/);
        expect(text).toMatch(/IP Address:127\.0\.0\.1/);
        expect(text).toMatch(/TLS Web Server Authentication/);
        expect(text).toMatch(/X509v3 Any Policy/);
        expect(run('openssl', ['verify', '-CAfile', p.chain!, p.cert!])).toMatch(/OK/);
        // The private key belongs to the certificate.
        const certKey = run('openssl', ['x509', '-in', p.cert!, '-noout', '-pubkey']);
        const keyPub = run('openssl', ['pkey', '-in', p.key!, '-pubout']);
        expect(keyPub).toBe(certKey);
        const dates = run('openssl', ['x509', '-in', p.cert!, '-noout', '-enddate']);
        const notAfter = new Date(dates.replace('notAfter=', '').trim()).getTime();
        expect(Math.abs(notAfter - (Date.now() + DAY))).toBeLessThan(10 * 60 * 1000);
      },
    );
    expect(reply.pki.serverPrivateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('hands out the org relay client CA chain (client CA, organization relay CA, root)', () => {
    withFiles({ chain: reply.pki.clientCertificateChain }, (p) => {
      const text = run('openssl', ['storeutl', '-noout', '-text', '-certs', p.chain!]);
      expect(text).toMatch(/Infisical Org Relay Client CA/);
      expect(text).toMatch(/Infisical Organization Relay CA/);
      expect(text).toMatch(/Infisical Instance Root Relay CA/);
    });
  });

  it('issues an OpenSSH host certificate: key ID relay-server, principal host:2222, 30 days', () => {
    const info = sshCertificateInfo(reply.ssh.serverCertificate);
    expect(info.type).toMatch(/host certificate/);
    expect(info.keyId).toBe('relay-server');
    expect(info.principals).toEqual(['127.0.0.1:2222']);
    expect(Math.abs(info.validTo.getTime() - (Date.now() + 30 * DAY))).toBeLessThan(10 * 60 * 1000);
    expect(info.validFrom.getTime()).toBeLessThanOrEqual(Date.now());
    // The private key is the certificate's key.
    const derived = withFiles({ key: reply.ssh.serverPrivateKey }, (p) =>
      run('ssh-keygen', ['-y', '-f', p.key!]),
    );
    expect(/Public key: \S+ (\S+)/.exec(info.text)?.[1]).toBe(sshFingerprintOf(derived));
    // The client CA public key is a valid key line.
    expect(sshFingerprintOf(reply.ssh.clientCAPublicKey)).toMatch(/^SHA256:/);
  });

  it('keeps the relay name per identity and refuses another identity using it', async () => {
    const rename = await registerOrg(relayIdentity.token, { host: '127.0.0.1', name: 'edge-2' });
    expect(rename.statusCode).toBe(400);
    const other = await identityWithToken(cp, admin, 'other-relay-identity', 'relay');
    const taken = await registerOrg(other.token, { host: '127.0.0.2', name: 'edge-1' });
    expect(taken.statusCode).toBe(400);
    expect(taken.json<{ message: string }>().message).toMatch(/already used/);
    const moved = await registerOrg(relayIdentity.token, {
      host: 'relay.example.test',
      name: 'edge-1',
      sshPort: 2301,
      tlsPort: 8501,
    });
    expect(moved.statusCode).toBe(200);
    const info = sshCertificateInfo(moved.json<RelayReply>().ssh.serverCertificate);
    expect(info.principals).toEqual(['relay.example.test:2301']);
    withFiles({ cert: moved.json<RelayReply>().pki.serverCertificate }, (p) => {
      expect(run('openssl', ['x509', '-in', p.cert!, '-noout', '-ext', 'subjectAltName'])).toMatch(
        /DNS:relay\.example\.test/,
      );
    });
    // Back to loopback for the other tests.
    await registerOrg(relayIdentity.token, { host: '127.0.0.1', name: 'edge-1' });
  });

  it('refuses hosts with ports or schemes', async () => {
    const res = await registerOrg(relayIdentity.token, { host: 'https://x:1', name: 'edge-1' });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/host must be/);
  });
});

describe('instance relay registration', () => {
  it('refuses a missing or wrong relay auth secret with 401', async () => {
    expect(
      (await registerInstance(undefined, { host: '127.0.0.1', name: 'shared' })).statusCode,
    ).toBe(401);
    const wrong = await registerInstance('Bearer not-the-secret', {
      host: '127.0.0.1',
      name: 'shared',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json<{ message: string }>().message).toBe('Invalid relay auth secret');
  });

  it('registers with the secret, using the instance CAs and the given ports', async () => {
    const res = await registerInstance(`Bearer ${RELAY_AUTH_SECRET}`, {
      host: '127.0.0.1',
      name: 'shared',
      sshPort: 2402,
      tlsPort: 8402,
    });
    expect(res.statusCode).toBe(200);
    const reply = res.json<RelayReply>();
    withFiles(
      { cert: reply.pki.serverCertificate, chain: reply.pki.clientCertificateChain },
      (p) => {
        expect(run('openssl', ['x509', '-in', p.cert!, '-noout', '-subject'])).toMatch(
          /O\s*=\s*Infisical/,
        );
        expect(run('openssl', ['storeutl', '-noout', '-text', '-certs', p.chain!])).toMatch(
          /Infisical Instance Relay Client CA/,
        );
      },
    );
    const info = sshCertificateInfo(reply.ssh.serverCertificate);
    expect(info.principals).toEqual(['127.0.0.1:2402']);
    const orgRelayCa = cp.context.cas.ssh(admin.orgId, 'ssh-client').publicKeyLine;
    expect(reply.ssh.clientCAPublicKey).not.toBe(orgRelayCa);
  });

  it('lists org and instance relays with their ports', async () => {
    const res = await cp.app.inject({
      method: 'GET',
      url: '/api/v1/relays',
      headers: auth(admin.token),
    });
    expect(res.statusCode).toBe(200);
    const relays =
      res.json<
        { name: string; orgId: string | null; sshPort: number; tlsPort: number; heartbeat: null }[]
      >();
    expect(relays).toEqual([
      expect.objectContaining({
        name: 'edge-1',
        orgId: admin.orgId,
        identityId: relayIdentity.identityId,
        host: '127.0.0.1',
        sshPort: 2222,
        tlsPort: 8443,
        heartbeat: null,
      }),
      expect.objectContaining({ name: 'shared', orgId: null, sshPort: 2402, tlsPort: 8402 }),
    ]);
  });
});

describe('what the console shows of a relay', () => {
  type Listed = { name: string; version: string | null; certificatesExpireAt: string | null };
  const listed = async (name: string) => {
    const res = await cp.app.inject({
      method: 'GET',
      url: '/api/v1/relays',
      headers: auth(admin.token),
    });
    return res.json<Listed[]>().find((relay) => relay.name === name);
  };

  it('lists the version an org relay sends (a well-formed one only) and when its certificates expire', async () => {
    const versioned = await identityWithToken(cp, admin, 'relay-versioned', 'relay');
    const registerAs = (version: string) =>
      cp.app.inject({
        method: 'POST',
        url: '/api/v1/relays/register-org-relay',
        headers: { ...auth(versioned.token), 'x-burrow-agent-version': version },
        payload: { host: '127.0.0.5', name: 'versioned' },
      });
    const before = Date.now();
    const first = await registerAs('burrow-relay/1.2.3');
    expect(first.statusCode).toBe(200);
    const relay = await listed('versioned');
    expect(relay?.version).toBe('burrow-relay/1.2.3');
    // The earlier of the TLS server certificate (a day) and the SSH host certificate (30 days).
    const serverNotAfter = new X509Certificate(first.json<RelayReply>().pki.serverCertificate)
      .validToDate;
    expect(new Date(relay?.certificatesExpireAt ?? 0).getTime()).toBe(serverNotAfter.getTime());
    expect(serverNotAfter.getTime()).toBeGreaterThanOrEqual(before + DAY - 60_000);
    expect(serverNotAfter.getTime()).toBeLessThanOrEqual(Date.now() + DAY + 60_000);
    // A header that is not <program>/<version> (it would be shown on the console) is not stored.
    expect((await registerAs('<img src=x onerror=alert(1)>/1')).statusCode).toBe(200);
    expect((await listed('versioned'))?.version).toBe('burrow-relay/1.2.3');
    // A relay that sends none (the reference's) keeps what was known.
    const plain = await registerOrg(versioned.token, { host: '127.0.0.5', name: 'versioned' });
    expect(plain.statusCode).toBe(200);
    expect((await listed('versioned'))?.version).toBe('burrow-relay/1.2.3');
  });

  it('an instance relay’s too; one that never sent a version is listed with null', async () => {
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/relays/register-instance-relay',
      headers: {
        authorization: `Bearer ${RELAY_AUTH_SECRET}`,
        'x-burrow-agent-version': 'burrow-relay/0.1.0',
      },
      payload: { host: '127.0.0.6', name: 'shared-versioned' },
    });
    expect(res.statusCode).toBe(200);
    const relay = await listed('shared-versioned');
    expect(relay?.version).toBe('burrow-relay/0.1.0');
    expect(relay?.certificatesExpireAt).toBe(
      new X509Certificate(res.json<RelayReply>().pki.serverCertificate).validToDate.toISOString(),
    );
    expect((await listed('edge-1'))?.version).toBeNull();
  });
});

describe('unambiguous relay names and addresses', () => {
  it('an org relay cannot take an instance relay’s name (409), whoever registers it', async () => {
    const impostor = await identityWithToken(cp, admin, 'shadow-relay', 'relay');
    for (const token of [impostor.token, admin.token]) {
      const res = await registerOrg(token, {
        host: '127.0.0.1',
        name: 'shared',
        sshPort: 2600,
        tlsPort: 8600,
      });
      expect(res.statusCode).toBe(409);
      expect(res.json<{ message: string }>().message).toBe(
        'Relay name shared belongs to an instance relay; an org relay cannot take it',
      );
    }
  });

  it('a host:port another relay registered cannot be claimed again (409), org or instance', async () => {
    const claimant = await identityWithToken(cp, admin, 'claimant-relay', 'relay');
    // edge-1 holds 127.0.0.1:2222/8443; the instance relay "shared" 127.0.0.1:2402/8402.
    for (const ports of [
      { sshPort: 2222, tlsPort: 9000 },
      { sshPort: 9001, tlsPort: 8443 },
      { sshPort: 8402, tlsPort: 9002 },
    ]) {
      const res = await registerOrg(claimant.token, { host: '127.0.0.1', name: 'claim', ...ports });
      expect(res.statusCode).toBe(409);
      expect(res.json<{ message: string }>().message).toMatch(/already claimed by another relay/);
    }
    const instance = await registerInstance(`Bearer ${RELAY_AUTH_SECRET}`, {
      host: '127.0.0.1',
      name: 'shared-2',
    });
    expect(instance.statusCode).toBe(409);
    // The same ports on another host are someone else's address: fine.
    const elsewhere = await registerOrg(claimant.token, {
      host: '127.0.0.3',
      name: 'claim',
      sshPort: 2222,
      tlsPort: 8443,
    });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('an org relay is heartbeated only by its own identity or an admin', async () => {
    const stranger = await identityWithToken(cp, admin, 'stranger-relay', 'relay');
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/relays/heartbeat-org-relay',
      headers: auth(stranger.token),
      payload: { name: 'edge-1' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json<{ message: string }>().message).toBe(
      'Relay edge-1 was registered by another identity',
    );
  });
});

describe('a failed relay heartbeat', () => {
  it('answers in Burrow’s words; what the host said goes to the control plane’s log only', async () => {
    const closed = await freePort();
    const quiet = await identityWithToken(cp, admin, 'quiet-relay', 'relay');
    const registered = await registerOrg(quiet.token, {
      host: '127.0.0.1',
      name: 'quiet',
      sshPort: await freePort(),
      tlsPort: closed,
    });
    expect(registered.statusCode).toBe(200);
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/relays/heartbeat-org-relay',
      headers: auth(quiet.token),
      payload: { name: 'quiet' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toBe(
      'Relay quiet is not reachable: the control plane could not complete a TLS handshake with it',
    );
    expect(res.body).not.toMatch(/ECONNREFUSED/);
    const refused = logs
      .split('\n')
      .filter((line) => line.includes('request refused') && line.includes('Relay quiet'));
    expect(refused.length).toBe(1);
    expect(refused[0]).toMatch(/"cause":"[^"]*ECONNREFUSED/);
  });
});
