import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createControlPlane, type ControlPlane } from '../src/index.ts';
import { run, sshCertificateInfo, withFiles } from './support/cli-tools.ts';
import { auth, bootstrap, identityWithToken } from './support/test-control-plane.ts';

/** BURROW_KEY_ALGORITHM=rsa-2048: the reference's RSA-2048 everywhere. */
let cp: ControlPlane;

beforeAll(async () => {
  cp = await createControlPlane({
    dataDir: ':memory:',
    keyAlgorithm: 'rsa-2048',
    sshKeyType: 'rsa-2048',
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await cp.app.close();
});

describe('RSA-2048 certificates', () => {
  it('issues RSA CAs, TLS and SSH certificates; concurrent first uses create each CA once', async () => {
    const admin = await bootstrap(cp);
    const relayIdentity = await identityWithToken(cp, admin, 'relay', 'relay');
    const gatewayIdentity = await identityWithToken(cp, admin, 'gateway', 'gateway');
    const registerRelay = () =>
      cp.app.inject({
        method: 'POST',
        url: '/api/v1/relays/register-org-relay',
        headers: auth(relayIdentity.token),
        payload: { host: '127.0.0.1', name: 'rsa-relay' },
      });
    const [relayA, relayB] = await Promise.all([registerRelay(), registerRelay()]);
    expect([relayA.statusCode, relayB.statusCode]).toEqual([200, 200]);
    const relayReply = relayA.json<{
      pki: { serverCertificate: string; clientCertificateChain: string };
      ssh: { serverCertificate: string };
    }>();
    expect(
      relayB.json<{ pki: { clientCertificateChain: string } }>().pki.clientCertificateChain,
    ).toBe(relayReply.pki.clientCertificateChain);
    const gateway = await cp.app.inject({
      method: 'POST',
      url: '/api/v2/gateways',
      headers: auth(gatewayIdentity.token),
      payload: { relayName: 'rsa-relay', name: 'rsa-gw' },
    });
    expect(gateway.statusCode).toBe(200);
    const gatewayReply = gateway.json<{
      pki: { serverCertificate: string };
      ssh: { clientCertificate: string };
    }>();

    withFiles(
      {
        relay: relayReply.pki.serverCertificate,
        gateway: gatewayReply.pki.serverCertificate,
        chain: relayReply.pki.clientCertificateChain,
      },
      (p) => {
        for (const file of [p.relay!, p.gateway!]) {
          const text = run('openssl', ['x509', '-in', file, '-noout', '-text']);
          expect(text).toMatch(/Public Key Algorithm: rsaEncryption/);
          expect(text).toMatch(/Public-Key: \(2048 bit\)/);
          expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
        }
      },
    );
    expect(sshCertificateInfo(relayReply.ssh.serverCertificate).type).toMatch(
      /^ssh-rsa-cert-v01@openssh.com host/,
    );
    const user = sshCertificateInfo(gatewayReply.ssh.clientCertificate);
    expect(user.type).toMatch(/^ssh-rsa-cert-v01@openssh.com user/);
    expect(user.text).toMatch(/Signing CA: RSA .* \(using rsa-sha2-512\)/);

    const counts = cp.context.db
      .prepare(
        'SELECT scope, kind, COUNT(*) AS n FROM certificate_authorities GROUP BY scope, kind',
      )
      .all() as { n: number }[];
    expect(counts.every((row) => row.n === 1)).toBe(true);
  });
});
