/**
 * Subject/Authority Key Identifier extensions (RFC 5280 §4.2.1.1-2).
 *
 * Every certificate we issue carries an SKI, and every non-root one an AKI equal to its issuer's
 * SKI. They let OpenSSL, Go and `verifyChain` pick the right issuer when two CAs share a name
 * (rotation, or an org's CA and an attacker's look-alike) instead of trying the wrong key.
 */
import type { webcrypto } from 'node:crypto';
import * as x509 from './peculiar-x509.ts';

/**
 * SKI for a public key (SHA-1 of the subjectPublicKey bits, RFC 5280 method 1).
 *
 * @example
 *   extensions.push(await subjectKeyIdentifier(keyPair.publicKey));
 */
export async function subjectKeyIdentifier(
  publicKey: webcrypto.CryptoKey,
): Promise<x509.SubjectKeyIdentifierExtension> {
  return x509.SubjectKeyIdentifierExtension.create(publicKey);
}

/**
 * AKI pointing at `issuer`: its SKI when it has one, else one computed from its public key.
 *
 * @example
 *   extensions.push(await authorityKeyIdentifier(ca.certificate));
 */
export async function authorityKeyIdentifier(
  issuer: x509.X509Certificate,
): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId);
  return x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey);
}
