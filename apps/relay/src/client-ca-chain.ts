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

/** Parses the chain; a malformed chain throws (CertificateError from @burrow/pki). */
export function parseClientCaChain(chainPem: string): ClientCaChain {
  const certificatesPem = parseCertificateChainPem(chainPem).map(certificateToPem);
  const certificates = certificatesPem.map((pem) => new X509Certificate(pem));
  const issuing = certificates.filter(
    (ca) => !certificates.some((other) => other !== ca && other.checkIssued(ca)),
  );
  return {
    certificatesPem,
    issued(certificateDer) {
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(certificateDer);
      } catch {
        return false;
      }
      return issuing.some((ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey));
    },
  };
}
