import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serverCertificateChainPem } from '@burrow/pki';
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

interface GatewayReply {
  gatewayId: string;
  relayHost: string;
  relaySshPort?: number;
  pki: { serverCertificate: string; serverPrivateKey: string; clientCertificateChain: string };
  ssh: { clientCertificate: string; clientPrivateKey: string; serverCAPublicKey: string };
}

let cp: TestControlPlane;
let admin: Bootstrapped;
let relaySshServerCertificate: string;

const DAY = 24 * 60 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await bootstrap(cp);
  const relayIdentity = await identityWithToken(cp, admin, 'relay', 'relay');
  const org = await cp.app.inject({
    method: 'POST',
    url: '/api/v1/relays/register-org-relay',
    headers: auth(relayIdentity.token),
    payload: { host: '127.0.0.1', name: 'org-relay' },
  });
  relaySshServerCertificate = org.json<{ ssh: { serverCertificate: string } }>().ssh
    .serverCertificate;
  await cp.app.inject({
    method: 'POST',
    url: '/api/v1/relays/register-instance-relay',
    headers: { authorization: `Bearer ${RELAY_AUTH_SECRET}` },
    payload: { host: '127.0.0.1', name: 'shared', sshPort: 2522, tlsPort: 8522 },
  });
});
afterAll(async () => {
  await cp.close();
});

function register(token: string, payload: object) {
  return cp.app.inject({ method: 'POST', url: '/api/v2/gateways', headers: auth(token), payload });
}

describe('gateway registration', () => {
  let gw: { identityId: string; token: string };
  let reply: GatewayReply;

  beforeAll(async () => {
    gw = await identityWithToken(cp, admin, 'gw-identity', 'gateway');
    const res = await register(gw.token, { relayName: 'org-relay', name: 'gw-1' });
    expect(res.statusCode).toBe(200);
    reply = res.json<GatewayReply>();
  });

  it('answers with the gateway ID and the default-port relay host', () => {
    expect(reply.gatewayId).toMatch(UUID);
    expect(reply.relayHost).toBe('127.0.0.1');
    expect(reply.relaySshPort).toBeUndefined();
  });

  it('issues an inner-TLS server certificate for localhost, naming this gateway, that verifies against the gateway server chain', async () => {
    const chain = serverCertificateChainPem(
      await cp.context.cas.x509(admin.orgId, 'gateway-server'),
    );
    withFiles(
      { cert: reply.pki.serverCertificate, chain, clientChain: reply.pki.clientCertificateChain },
      (p) => {
        const text = run('openssl', ['x509', '-in', p.cert!, '-noout', '-text']);
        expect(text).toMatch(/CN\s*=\s*Gateway/);
        expect(text).toMatch(/DNS:localhost/);
        expect(text).toMatch(/IP Address:127\.0\.0\.1/);
        expect(text).toContain(`URI:urn:burrow:gateway:${reply.gatewayId}`);
        expect(run('openssl', ['verify', '-CAfile', p.chain!, p.cert!])).toMatch(/OK/);
        expect(run('openssl', ['storeutl', '-noout', '-text', '-certs', p.clientChain!])).toMatch(
          /Infisical Gateway Client CA[\s\S]*Infisical Gateway Root CA/,
        );
      },
    );
  });

  it('issues an OpenSSH user certificate: key ID client-<relay>, principals [id, name], 1 day', () => {
    const info = sshCertificateInfo(reply.ssh.clientCertificate);
    expect(info.type).toMatch(/user certificate/);
    expect(info.keyId).toBe('client-org-relay');
    expect(info.principals).toEqual([reply.gatewayId, 'gw-1']);
    expect(Math.abs(info.validTo.getTime() - (Date.now() + DAY))).toBeLessThan(10 * 60 * 1000);
    const derived = withFiles({ key: reply.ssh.clientPrivateKey }, (p) =>
      run('ssh-keygen', ['-y', '-f', p.key!]),
    );
    expect(/Public key: \S+ (\S+)/.exec(info.text)?.[1]).toBe(sshFingerprintOf(derived));
    // serverCAPublicKey is the CA that signed the relay's host certificate.
    expect(sshCertificateInfo(relaySshServerCertificate).signingCa).toBe(
      sshFingerprintOf(reply.ssh.serverCAPublicKey),
    );
  });

  it('upserts on the identity: same gateway ID, fresh certificates', async () => {
    const again = (
      await register(gw.token, { relayName: 'org-relay', name: 'gw-1' })
    ).json<GatewayReply>();
    expect(again.gatewayId).toBe(reply.gatewayId);
    expect(again.ssh.clientCertificate).not.toBe(reply.ssh.clientCertificate);
  });

  it('uses [gatewayId] only, the bare host (as the reference gateway dials relayHost:2222) and relaySshPort for an instance relay on other ports', async () => {
    const other = await identityWithToken(cp, admin, 'gw-instance', 'gateway');
    const res = await register(other.token, { relayName: 'shared', name: 'gw-2' });
    expect(res.statusCode).toBe(200);
    const r = res.json<GatewayReply>();
    expect(r.relayHost).toBe('127.0.0.1');
    expect(r.relaySshPort).toBe(2522);
    const info = sshCertificateInfo(r.ssh.clientCertificate);
    expect(info.keyId).toBe('client-shared');
    expect(info.principals).toEqual([r.gatewayId]);
  });

  it('refuses an unknown relay (404) and a name another identity uses (400)', async () => {
    const other = await identityWithToken(cp, admin, 'gw-refused', 'gateway');
    expect((await register(other.token, { relayName: 'nope', name: 'gw-x' })).statusCode).toBe(404);
    expect((await register(other.token, { relayName: 'org-relay', name: 'gw-1' })).statusCode).toBe(
      400,
    );
    const badName = await register(other.token, { relayName: 'org-relay', name: 'Not A Slug' });
    expect(badName.statusCode).toBe(400);
    expect(badName.json<{ message: string }>().message).toMatch(/name/);
  });

  it('lists gateways with relay name and health', async () => {
    const res = await cp.app.inject({
      method: 'GET',
      url: '/api/v2/gateways',
      headers: auth(admin.token),
    });
    expect(res.statusCode).toBe(200);
    const list =
      res.json<
        { id: string; name: string; relayName: string; heartbeat: null; isHealthy: boolean }[]
      >();
    expect(list).toContainEqual(
      expect.objectContaining({
        id: reply.gatewayId,
        name: 'gw-1',
        relayName: 'org-relay',
        heartbeat: null,
        heartbeatTTL: null,
        isHealthy: false,
      }),
    );
  });

  it('lists the version the gateway sends (a well-formed one only) and when its certificates expire', async () => {
    const versioned = await identityWithToken(cp, admin, 'gw-versioned', 'gateway');
    const registerAs = (version: string) =>
      cp.app.inject({
        method: 'POST',
        url: '/api/v2/gateways',
        headers: { ...auth(versioned.token), 'x-burrow-agent-version': version },
        payload: { relayName: 'org-relay', name: 'gw-versioned' },
      });
    const listed = async () => {
      const res = await cp.app.inject({
        method: 'GET',
        url: '/api/v2/gateways',
        headers: auth(admin.token),
      });
      return res
        .json<{ name: string; version: string | null; certificatesExpireAt: string | null }[]>()
        .find((g) => g.name === 'gw-versioned');
    };
    const before = Date.now();
    const first = await registerAs('burrow-gateway/1.2.3');
    expect(first.statusCode).toBe(200);
    const registered = first.json<GatewayReply>();
    const gateway = await listed();
    expect(gateway?.version).toBe('burrow-gateway/1.2.3');
    // The earlier of the inner-TLS server certificate and the SSH certificate: both a day.
    const serverNotAfter = new X509Certificate(registered.pki.serverCertificate).validToDate;
    const expiresAt = new Date(gateway?.certificatesExpireAt ?? 0).getTime();
    expect(expiresAt).toBeLessThanOrEqual(serverNotAfter.getTime());
    expect(expiresAt).toBeGreaterThanOrEqual(before + DAY - 60_000);
    // A header that is not <program>/<version> (it would be shown on the console) is not stored.
    expect((await registerAs('<img src=x onerror=alert(1)>/1')).statusCode).toBe(200);
    expect((await listed())?.version).toBe('burrow-gateway/1.2.3');
    // A gateway that sends none (the reference's) keeps what was known.
    expect(
      (await register(versioned.token, { relayName: 'org-relay', name: 'gw-versioned' }))
        .statusCode,
    ).toBe(200);
    expect((await listed())?.version).toBe('burrow-gateway/1.2.3');
  });

  it('deletes a gateway (admin only); a deleted gateway gets no new certificates', async () => {
    const byMember = await cp.app.inject({
      method: 'DELETE',
      url: `/api/v2/gateways/${reply.gatewayId}`,
      headers: auth(gw.token),
    });
    expect(byMember.statusCode).toBe(403);
    const deleted = await cp.app.inject({
      method: 'DELETE',
      url: `/api/v2/gateways/${reply.gatewayId}`,
      headers: auth(admin.token),
    });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toMatchObject({ id: reply.gatewayId, name: 'gw-1' });

    const reRegister = await register(gw.token, { relayName: 'org-relay', name: 'gw-1' });
    expect(reRegister.statusCode).toBe(403);
    expect(reRegister.json<{ message: string }>().message).toMatch(/deleted/);
    const heartbeat = await cp.app.inject({
      method: 'POST',
      url: '/api/v2/gateways/heartbeat',
      headers: auth(gw.token),
      payload: {},
    });
    expect(heartbeat.statusCode).toBe(403);
    const test = await cp.app.inject({
      method: 'POST',
      url: `/api/v2/gateways/${reply.gatewayId}/test-connection`,
      headers: auth(admin.token),
      payload: { targetHost: '127.0.0.1', targetPort: 1 },
    });
    expect(test.statusCode).toBe(404);
    const list = await cp.app.inject({
      method: 'GET',
      url: '/api/v2/gateways',
      headers: auth(admin.token),
    });
    expect(list.json<{ id: string }[]>().map((g) => g.id)).not.toContain(reply.gatewayId);
    await expect(
      cp.context.tunnel.prepare(reply.gatewayId, { targetHost: 'x', targetPort: 1 }),
    ).rejects.toThrow(/not found/);
  });
});
