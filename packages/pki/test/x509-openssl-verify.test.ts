/**
 * `openssl verify` is the judge of our chains: root as the only trust anchor, the intermediate as
 * untrusted input, `-x509_strict` and the TLS purpose of each leaf.
 */
import { describe, it, expect } from '@jest/globals';

import {
  KEY_ALGORITHMS,
  createIntermediateCa,
  createRootCa,
  issueGatewayPlatformClientCertificate,
  issueGatewayServerCertificate,
  issueRelayClientCertificate,
  issueRelayServerCertificate,
  type IssuedCertificate,
} from '../src/x509/index.ts';
import { openssl, withTempDir } from './support/x509-openssl.ts';
import { createTestPki } from './support/x509-test-pki.ts';

function opensslVerify(
  root: string,
  intermediate: string,
  leaf: IssuedCertificate,
  purpose: 'sslserver' | 'sslclient',
) {
  return withTempDir((dir, write) => {
    write('root.pem', root);
    write('intermediate.pem', intermediate);
    write('leaf.pem', leaf.certificatePem);
    return openssl(
      [
        'verify',
        '-x509_strict',
        '-purpose',
        purpose,
        '-CAfile',
        'root.pem',
        '-untrusted',
        'intermediate.pem',
        'leaf.pem',
      ],
      dir,
    );
  });
}

describe('openssl verify', () => {
  it.each(KEY_ALGORITHMS)(
    '%s: accepts every leaf profile through root and intermediate',
    async (keyAlgorithm) => {
      const pki = await createTestPki(keyAlgorithm);
      const root = pki.root.certificatePem;
      const leaves: Array<[IssuedCertificate, 'sslserver' | 'sslclient', string]> = [
        [
          await issueGatewayServerCertificate({
            issuer: pki.serverCa,
            orgId: 'org-1',
            gatewayId: 'gw-1',
            keyAlgorithm,
          }),
          'sslserver',
          pki.serverCa.certificatePem,
        ],
        [
          await issueRelayServerCertificate({
            issuer: pki.serverCa,
            host: 'relay.example.com',
            keyAlgorithm,
          }),
          'sslserver',
          pki.serverCa.certificatePem,
        ],
        [
          await issueGatewayPlatformClientCertificate({
            issuer: pki.clientCa,
            orgId: 'org-1',
            gatewayId: 'gw-1',
            targetHost: 'db',
            targetPort: 5432,
            keyAlgorithm,
          }),
          'sslclient',
          pki.clientCa.certificatePem,
        ],
        [
          await issueRelayClientCertificate({
            issuer: pki.clientCa,
            orgId: 'org-1',
            orgName: 'acme',
            gatewayId: 'gw-1',
            gatewayName: 'gw',
            keyAlgorithm,
          }),
          'sslclient',
          pki.clientCa.certificatePem,
        ],
      ];
      for (const [leaf, purpose, intermediate] of leaves) {
        const result = await opensslVerify(root, intermediate, leaf, purpose);
        expect({ status: result.status, out: result.stdout.trim() }).toEqual({
          status: 0,
          out: 'leaf.pem: OK',
        });
      }
    },
  );

  it('accepts mixed key types (RSA root, ECDSA intermediate, Ed25519 leaf)', async () => {
    const root = await createRootCa({ subject: { CN: 'Mixed Root' }, keyAlgorithm: 'rsa-2048' });
    const ca = await createIntermediateCa({
      issuer: root,
      subject: { CN: 'Mixed CA' },
      pathLength: 0,
      keyAlgorithm: 'ecdsa-p256',
    });
    const leaf = await issueGatewayServerCertificate({
      issuer: ca,
      orgId: 'org-1',
      gatewayId: 'gw-1',
      keyAlgorithm: 'ed25519',
    });
    const result = await opensslVerify(root.certificatePem, ca.certificatePem, leaf, 'sslserver');
    expect(result.status).toBe(0);
  });

  it('rejects a leaf from another root with the same names', async () => {
    const ours = await createTestPki('ecdsa-p256');
    const theirs = await createTestPki('ecdsa-p256');
    const foreign = await issueGatewayServerCertificate({
      issuer: theirs.serverCa,
      orgId: 'org-1',
      gatewayId: 'gw-1',
    });
    const result = await opensslVerify(
      ours.root.certificatePem,
      ours.serverCa.certificatePem,
      foreign,
      'sslserver',
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(
      /unable to get local issuer certificate|certificate signature failure/,
    );
  });

  it('rejects a client certificate used as a server certificate', async () => {
    const pki = await createTestPki('ecdsa-p256');
    const client = await issueRelayClientCertificate({
      issuer: pki.clientCa,
      orgId: 'org-1',
      orgName: 'acme',
      gatewayId: 'gw-1',
      gatewayName: 'gw',
    });
    const result = await opensslVerify(
      pki.root.certificatePem,
      pki.clientCa.certificatePem,
      client,
      'sslserver',
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/unsuitable certificate purpose/);
  });
});
