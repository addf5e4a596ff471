/**
 * The forms a certificate reaches us in: DER bytes (node:tls `getPeerCertificate().raw`), PEM
 * text, a node:crypto X509Certificate, or an `@peculiar/x509` X509Certificate.
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';

import { CertificateError } from '../certificate-error.ts';
import { parseCertificateDer } from './certificate-der.ts';
import { parseCertificatePem } from './certificate-pem.ts';
import * as x509 from './peculiar-x509.ts';

/**
 * Any accepted representation of one certificate.
 *
 * @example
 *   const input: CertificateInput = socket.getPeerCertificate(true).raw;
 */
export type CertificateInput =
  Uint8Array | ArrayBuffer | string | x509.X509Certificate | NodeX509Certificate;

/**
 * Returns the certificate as an `@peculiar/x509` X509Certificate, parsing it strictly if needed.
 * Unparseable input is CertificateError('MALFORMED').
 *
 * @example
 *   parseCertificate(socket.getPeerCertificate().raw).subjectName.getField('CN');
 */
export function parseCertificate(input: CertificateInput): x509.X509Certificate {
  if (input instanceof x509.X509Certificate) return input;
  if (input instanceof NodeX509Certificate) return parseCertificateDer(input.raw);
  if (typeof input === 'string') return parseCertificatePem(input);
  if (input instanceof Uint8Array || input instanceof ArrayBuffer)
    return parseCertificateDer(input);
  throw new CertificateError(
    'MALFORMED',
    'certificate must be DER bytes, PEM text or a certificate',
  );
}
