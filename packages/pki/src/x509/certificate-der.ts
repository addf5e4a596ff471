/**
 * Parsing one DER-encoded X.509 certificate, strictly and without untyped errors.
 *
 * Contract: the input must be exactly one DER SEQUENCE with a definite length that covers the
 * whole buffer (truncated or trailing bytes are MALFORMED, with the byte offset). The certificate
 * is then decoded by `@peculiar/x509` — eagerly, so lazy getters cannot throw later — and by
 * OpenSSL (node:crypto X509Certificate), so what we accept is what node:tls would accept. Any
 * failure is CertificateError('MALFORMED').
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';

import { CertificateError } from '../certificate-error.ts';
import * as x509 from './peculiar-x509.ts';
import { cachedParse } from './parsed-certificate-cache.ts';

/**
 * Largest certificate we parse. Ours are < 2 KiB; TLS stacks cap whole chains near 100 KiB.
 *
 * @example
 *   if (der.length > MAX_CERTIFICATE_DER_BYTES) return reject();
 */
export const MAX_CERTIFICATE_DER_BYTES = 64 * 1024;

/**
 * Parses a DER certificate (e.g. node:tls `socket.getPeerCertificate().raw`).
 *
 * @example
 *   const cert = parseCertificateDer(socket.getPeerCertificate().raw);
 *   cert.subjectName.getField('CN'); // ['<gatewayId>']
 */
export function parseCertificateDer(der: Uint8Array | ArrayBuffer): x509.X509Certificate {
  const bytes = der instanceof ArrayBuffer ? new Uint8Array(der) : der;
  if (!(bytes instanceof Uint8Array)) {
    throw new CertificateError('MALFORMED', 'certificate DER is not a byte array');
  }
  checkDerFraming(bytes);
  return cachedParse(bytes, parseStrictly);
}

/** The strict parse itself; its result is cached by the exact bytes (parsed-certificate-cache). */
function parseStrictly(bytes: Uint8Array): x509.X509Certificate {
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(bytes);
    // Touch every lazily decoded field now, so a bad field surfaces here as MALFORMED.
    void certificate.serialNumber;
    void certificate.subjectName.toString();
    void certificate.issuerName.toString();
    void certificate.extensions;
    void certificate.publicKey.rawData;
    for (const date of [certificate.notBefore, certificate.notAfter]) {
      if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new Error('bad date');
    }
    new NodeX509Certificate(bytes);
  } catch (cause) {
    if (cause instanceof CertificateError) throw cause;
    throw new CertificateError('MALFORMED', 'not a valid X.509 certificate', { cause });
  }
  return certificate;
}

/**
 * Checks the outer DER framing: a SEQUENCE whose definite length spans exactly the input.
 */
function checkDerFraming(bytes: Uint8Array): void {
  if (bytes.length > MAX_CERTIFICATE_DER_BYTES) {
    throw new CertificateError(
      'MALFORMED',
      `certificate is ${bytes.length} bytes, more than ${MAX_CERTIFICATE_DER_BYTES}`,
    );
  }
  if (bytes.length < 2) {
    throw new CertificateError('MALFORMED', 'certificate DER is truncated', {
      offset: bytes.length,
    });
  }
  if (bytes[0] !== 0x30) {
    throw new CertificateError('MALFORMED', 'certificate DER does not start with a SEQUENCE', {
      offset: 0,
    });
  }
  const first = bytes[1] ?? 0;
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first;
    header = 2;
  } else {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length (not DER); > 3 length bytes is far beyond our size cap.
    if (count === 0 || count > 3) {
      throw new CertificateError('MALFORMED', 'certificate DER has an invalid length', {
        offset: 1,
      });
    }
    if (bytes.length < 2 + count) {
      throw new CertificateError('MALFORMED', 'certificate DER is truncated', {
        offset: bytes.length,
      });
    }
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[2 + i] ?? 0);
    header = 2 + count;
  }
  const total = header + length;
  if (total > bytes.length) {
    throw new CertificateError(
      'MALFORMED',
      `certificate DER is truncated: declares ${total} bytes, got ${bytes.length}`,
      { offset: bytes.length },
    );
  }
  if (total < bytes.length) {
    throw new CertificateError(
      'MALFORMED',
      `certificate DER has ${bytes.length - total} trailing bytes`,
      { offset: total },
    );
  }
}
