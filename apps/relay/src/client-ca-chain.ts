/**
 * The relay client CA chain from registration (`pki.clientCertificateChain`): the CA that signs
 * caller certificates, then the CAs above it up to the root.
 *
 * node:tls gets every certificate of it as a trust anchor (as the reference's `ClientCAs`), because
 * OpenSSL only accepts a path that ends in a self-signed root. That alone would also accept a
 * caller whose certificate comes from a *sibling* CA under the same root (another org's relay
 * client CA, or the instance one) as long as the caller sends that CA along. Burrow therefore also
 * requires, after the handshake, that the caller's certificate is signed by an *issuing* CA of the
 * chain: one that is not the issuer of another certificate in it.
 *
 * @example
 *   const chain = parseClientCaChain(credentials.clientCertificateChain);
 *   tls.createServer({ ca: chain.certificatesPem, requestCert: true, ... });
 *   if (!chain.issued(peer.raw)) socket.destroy();
 */
import { X509Certificate } from 'node:crypto';
import { certificateToPem, parseCertificateChainPem } from '@burrow/pki';

export interface ClientCaChain {
  /** Every certificate of the chain, one PEM each (node:tls `ca`). */
  readonly certificatesPem: string[];
  /** True when `certificateDer` is signed by one of the chain's issuing CAs. */
  issued(certificateDer: Buffer): boolean;
}

/**
 * Certificates already found signed by an issuing CA of this chain, by their exact DER bytes.
 * A caller presents the same certificate for many streams and the signature check costs about
 * 0.1 ms of the relay's CPU per stream; whether given bytes carry a valid signature of a given CA
 * never changes. Expiry and the rest of the chain are still checked by node:tls on every
 * handshake. Bounded: least recently used first out.
 */
const VERIFIED_CACHE_SIZE = 1024;

/** Parses the chain; a malformed chain throws (CertificateError from @burrow/pki). */
export function parseClientCaChain(chainPem: string): ClientCaChain {
  const certificatesPem = parseCertificateChainPem(chainPem).map(certificateToPem);
  const certificates = certificatesPem.map((pem) => new X509Certificate(pem));
  const issuing = certificates.filter(
    (ca) => !certificates.some((other) => other !== ca && other.checkIssued(ca)),
  );
  const verified = new Set<string>();
  return {
    certificatesPem,
    issued(certificateDer) {
      const key = certificateDer.toString('base64');
      if (verified.has(key)) {
        verified.delete(key); // re-added: Set order is least recently used first
        verified.add(key);
        return true;
      }
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(certificateDer);
      } catch {
        return false;
      }
      const signed = issuing.some(
        (ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey),
      );
      if (signed) {
        verified.add(key);
        if (verified.size > VERIFIED_CACHE_SIZE) {
          const oldest = verified.values().next().value;
          if (oldest !== undefined) verified.delete(oldest);
        }
      }
      return signed;
    },
  };
}
