import { execFile } from 'node:child_process';

/**
 * A fresh self-signed TLS certificate (ECDSA P-256, valid two days) for a loopback server, made
 * by `openssl req -x509` with nothing written to disk. Its basic constraints say CA, so a client
 * trusts the server by pinning this certificate as its only CA.
 *
 * @example
 *   const { certificatePem, privateKeyPem } = await createSelfSignedCertificate('kubernetes');
 *   https.createServer({ cert: certificatePem, key: privateKeyPem }, handler);
 */
export interface SelfSignedCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

export function createSelfSignedCertificate(
  commonName: string,
  ipAddress = '127.0.0.1',
): Promise<SelfSignedCertificate> {
  const args = [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    `subjectAltName=IP:${ipAddress}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-keyout',
    '-',
    '-out',
    '-',
  ];
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const privateKeyPem = /-----BEGIN PRIVATE KEY-----[^-]+-----END PRIVATE KEY-----\n/.exec(
        stdout,
      )?.[0];
      const certificatePem = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/.exec(
        stdout,
      )?.[0];
      if (error || !privateKeyPem || !certificatePem)
        reject(
          new Error(`openssl req failed: ${stderr.trim() || error?.message || 'no PEM output'}`),
        );
      else resolve({ certificatePem, privateKeyPem });
    });
  });
}
