/**
 * The openssh-openssl path's X.509 material, made with the `openssl` CLI: one ECDSA P-256 CA and
 * four ECDSA P-256 leaves (relay server, relay client, gateway server, gateway client), SAN
 * localhost + 127.0.0.1, valid for a day. The same key type Burrow's control plane issues.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface PemFiles {
  cert: string;
  key: string;
}

export interface BenchCertificates {
  caFile: string;
  relayServer: PemFiles;
  relayClient: PemFiles;
  gatewayServer: PemFiles;
  gatewayClient: PemFiles;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeBenchCertificates(dir: string): BenchCertificates {
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  openssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-subj',
    '/CN=bench CA',
    '-days',
    '1',
  );
  const leaf = (name: string, usage: 'serverAuth' | 'clientAuth'): PemFiles => {
    const ext = file(`${name}.ext`);
    fs.writeFileSync(
      ext,
      `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=${usage}\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`,
    );
    openssl(
      'req',
      '-new',
      ...EC,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
      '-subj',
      `/CN=${name}`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      ext,
      '-out',
      file(`${name}.pem`),
    );
    return { cert: file(`${name}.pem`), key: file(`${name}.key`) };
  };
  return {
    caFile: file('ca.pem'),
    relayServer: leaf('relay-server', 'serverAuth'),
    relayClient: leaf('relay-client', 'clientAuth'),
    gatewayServer: leaf('gateway-server', 'serverAuth'),
    gatewayClient: leaf('gateway-client', 'clientAuth'),
  };
}
