/**
 * Test certificates for the caller listener, made with @burrow/pki:
 *
 *   root ─┬─ relay client CA ── caller certificates (CN = gateway ID)
 *         ├─ relay server CA ── relay server certificate (127.0.0.1)
 *         └─ sibling client CA ── a caller certificate the relay must refuse
 *   foreign root ── foreign client CA ── a caller certificate from another CA entirely
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateAuthority } from '@burrow/pki';
import {
  clientCertificateChainPem,
  createIntermediateCa,
  createRootCa,
  exportPrivateKeyPem,
  issueRelayClientCertificate,
  issueRelayServerCertificate,
  serverCertificateChainPem,
} from '@burrow/pki';
import type { RelayTlsCredentials } from '../src/relay-registration.ts';

export interface CallerCertificate {
  certificate: string;
  privateKey: string;
}

export interface RelayTestPki {
  /** What registration would hand the relay. */
  relay: RelayTlsCredentials;
  /** What a caller trusts for the relay's server certificate. */
  relayServerChain: string;
  caller(gatewayId: string, gatewayName?: string): Promise<CallerCertificate>;
  /** Signed by a sibling CA under the same root; the PEM includes the sibling CA. */
  siblingCaller(gatewayId: string): Promise<CallerCertificate>;
  /** Signed by an unrelated CA. */
  foreignCaller(gatewayId: string): Promise<CallerCertificate>;
  /** Signed by the relay client CA, with extension …100.3 = `rawExtension` bytes (via openssl). */
  callerWithRawNameExtension(gatewayId: string, rawExtension: Buffer): CallerCertificate;
}

export async function createRelayTestPki(): Promise<RelayTestPki> {
  const root = await createRootCa({ subject: { O: 'Test', CN: 'Test Relay Root CA' } });
  const clientCa = await intermediate(root, 'Test Relay Client CA');
  const serverCa = await intermediate(root, 'Test Relay Server CA');
  const siblingCa = await intermediate(root, 'Test Sibling Relay Client CA');
  const foreignRoot = await createRootCa({ subject: { O: 'Other', CN: 'Other Root CA' } });
  const foreignCa = await intermediate(foreignRoot, 'Other Relay Client CA');
  const server = await issueRelayServerCertificate({ issuer: serverCa, host: '127.0.0.1' });

  const issueCaller = async (
    issuer: CertificateAuthority,
    gatewayId: string,
    gatewayName = 'gw-test',
  ): Promise<CallerCertificate> => {
    const leaf = await issueRelayClientCertificate({
      issuer,
      orgId: 'org-1',
      orgName: 'acme',
      gatewayId,
      gatewayName,
    });
    return { certificate: leaf.certificatePem, privateKey: leaf.privateKeyPem };
  };

  return {
    relay: {
      serverCertificate: server.certificatePem,
      serverPrivateKey: server.privateKeyPem,
      clientCertificateChain: clientCertificateChainPem(clientCa),
    },
    relayServerChain: serverCertificateChainPem(serverCa),
    caller: (gatewayId, gatewayName) => issueCaller(clientCa, gatewayId, gatewayName),
    async siblingCaller(gatewayId) {
      const leaf = await issueCaller(siblingCa, gatewayId);
      return { ...leaf, certificate: leaf.certificate + siblingCa.certificatePem };
    },
    foreignCaller: (gatewayId) => issueCaller(foreignCa, gatewayId),
    callerWithRawNameExtension: (gatewayId, rawExtension) =>
      opensslCaller(clientCa, gatewayId, rawExtension),
  };
}

function intermediate(issuer: CertificateAuthority, cn: string): Promise<CertificateAuthority> {
  return createIntermediateCa({ issuer, subject: { O: 'Test', CN: cn }, pathLength: 0 });
}

/** Issues a caller certificate with OpenSSL, to put arbitrary bytes into extension …100.3. */
function opensslCaller(
  issuer: CertificateAuthority,
  gatewayId: string,
  rawExtension: Buffer,
): CallerCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'relay-test-'));
  try {
    const path = (name: string): string => join(dir, name);
    writeFileSync(path('ca.pem'), issuer.certificatePem);
    writeFileSync(path('ca.key'), exportPrivateKeyPem(issuer.keyPair));
    writeFileSync(
      path('ext.cnf'),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=clientAuth',
        `1.3.6.1.4.1.12345.100.3=DER:${rawExtension.toString('hex')}`,
        '',
      ].join('\n'),
    );
    const openssl = (...args: string[]): void => {
      execFileSync('openssl', args, { stdio: 'pipe' });
    };
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', path('leaf.ec'));
    openssl('pkcs8', '-topk8', '-nocrypt', '-in', path('leaf.ec'), '-out', path('leaf.key'));
    openssl(
      'req',
      '-new',
      '-key',
      path('leaf.key'),
      '-subj',
      `/CN=${gatewayId}`,
      '-out',
      path('leaf.csr'),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      path('leaf.csr'),
      '-CA',
      path('ca.pem'),
      '-CAkey',
      path('ca.key'),
      '-set_serial',
      '1',
      '-days',
      '1',
      '-extfile',
      path('ext.cnf'),
      '-out',
      path('leaf.pem'),
    );
    return {
      certificate: readFileSync(path('leaf.pem'), 'utf8'),
      privateKey: readFileSync(path('leaf.key'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
