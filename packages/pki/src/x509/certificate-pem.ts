/**
 * Certificates as PEM text: one certificate, or a chain of them (the reference hands chains
 * around as concatenated PEM blocks, e.g. `gatewayServerCertificateChain`).
 */
import { CertificateError } from '../certificate-error.ts';
import { parseCertificateDer } from './certificate-der.ts';
import { decodePemBlocks, encodePem } from './pem-armor.ts';
import type * as x509 from './peculiar-x509.ts';

const CERTIFICATE_LABEL = 'CERTIFICATE';

/**
 * Encodes a certificate as PEM (64-column base64, trailing newline).
 *
 * @example
 *   fs.writeFileSync('leaf.pem', certificateToPem(issued.certificate));
 */
export function certificateToPem(certificate: x509.X509Certificate): string {
  return encodePem(CERTIFICATE_LABEL, certificate.rawData);
}

/**
 * Parses a PEM string that holds exactly one certificate. Anything else — no block, several
 * blocks, a block of another type, bad base64 or DER — is CertificateError('MALFORMED').
 *
 * @example
 *   const cert = parseCertificatePem(issued.certificatePem);
 *   cert.notAfter; // Date
 */
export function parseCertificatePem(pem: string): x509.X509Certificate {
  const certificates = parseCertificateChainPem(pem);
  if (certificates.length !== 1) {
    throw new CertificateError(
      'MALFORMED',
      `expected one certificate in PEM, found ${certificates.length}`,
    );
  }
  return certificates[0] as x509.X509Certificate;
}

/**
 * Parses a PEM chain: one or more CERTIFICATE blocks, in order. Text between blocks is ignored;
 * no certificate, or a block of another type (say a private key pasted into a chain), is
 * CertificateError('MALFORMED').
 *
 * @example
 *   const [serverCa, root] = parseCertificateChainPem(response.gatewayServerCertificateChain);
 */
export function parseCertificateChainPem(pem: string): x509.X509Certificate[] {
  const blocks = decodePemBlocks(pem);
  if (blocks.length === 0) {
    throw new CertificateError('MALFORMED', 'no PEM certificate found');
  }
  return blocks.map((block, index) => {
    if (block.label !== CERTIFICATE_LABEL) {
      throw new CertificateError(
        'MALFORMED',
        `PEM block ${index + 1} is "${block.label}", expected "${CERTIFICATE_LABEL}"`,
      );
    }
    return parseCertificateDer(block.der);
  });
}
