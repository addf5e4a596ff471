/**
 * Verifying a leaf certificate against one trusted root, for code paths that are not a TLS
 * handshake (stored certificates, API input, tests) — node:tls does the same job during
 * handshakes.
 *
 * Contract, checked in this order, first failure wins:
 * 1. every input parses (else MALFORMED); the leaf is not a CA cert (else WRONG_CERT_TYPE);
 * 2. a path leaf → intermediates → trusted root exists where each issuer's subject equals the
 *    child's issuer name, its SKI matches the child's AKI (when both are present) and its public
 *    key verifies the child's signature (OpenSSL via node:crypto). No path: WRONG_CA; a
 *    name-and-key-id match whose signature fails (a tampered certificate): BAD_SIGNATURE. The
 *    trust decision rests on the trusted root's key, never on a certificate supplied in `chain`;
 * 3. every issuer in the path is a CA (basicConstraints CA, keyCertSign if keyUsage is present)
 *    and no path length constraint is exceeded (else WRONG_CA) — a leaf can never act as a CA;
 * 4. no certificate in the path has a critical extension we do not process
 *    (else UNKNOWN_CRITICAL_OPTION);
 * 5. `now` is inside every certificate's validity (else NOT_YET_VALID / EXPIRED, leaf first);
 * 6. with `requiredUsage`, the leaf's extendedKeyUsage (if present) allows it (else
 *    WRONG_CERT_TYPE).
 *
 * Path building is bounded (MAX_CHAIN_CERTIFICATES inputs, each used once), so it always ends.
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';

import { CertificateError } from '../certificate-error.ts';
import { parseCertificate, type CertificateInput } from './certificate-input.ts';
import { parseCertificateChainPem } from './certificate-pem.ts';
import * as x509 from './peculiar-x509.ts';

/**
 * Most intermediate certificates accepted in `chain`; our hierarchies are 1-2 deep.
 *
 * @example
 *   verifyChain(leaf, tooLongList, root); // throws MALFORMED when the list exceeds it
 */
export const MAX_CHAIN_CERTIFICATES = 8;

/** anyExtendedKeyUsage (RFC 5280 §4.2.1.12). */
const ANY_EXTENDED_KEY_USAGE_OID = '2.5.29.37.0';

/** Critical extensions this verifier understands (a critical one outside this set fails). */
const PROCESSED_EXTENSIONS = new Set([
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName (names are matched by the TLS layer)
  '2.5.29.19', // basicConstraints
  '2.5.29.32', // certificatePolicies (no policy constraints are enforced; Burrow issues anyPolicy)
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.37', // extendedKeyUsage
]);

/**
 * Options of verifyChain.
 *
 * @example
 *   const options: VerifyChainOptions = { requiredUsage: 'clientAuth' };
 */
export interface VerifyChainOptions {
  /** Require this extended key usage on the leaf. */
  readonly requiredUsage?: 'serverAuth' | 'clientAuth';
}

/**
 * A verified path.
 *
 * @example
 *   const { path } = verifyChain(leaf, chainPem, rootPem); // [leaf, ...intermediates, root]
 */
export interface VerifiedChain {
  /** Leaf first, trusted root last. */
  readonly path: readonly x509.X509Certificate[];
}

/**
 * Verifies `leaf` up to `trustedRoot` through the certificates in `chain` (a PEM chain string —
 * such as the reference's `gatewayServerCertificateChain`, which may contain the root too — or a
 * list), at time `now`. Throws CertificateError with the codes listed above.
 *
 * @example
 *   try {
 *     verifyChain(socket.getPeerCertificate().raw, serverChainPem, rootPem, new Date(), {
 *       requiredUsage: 'serverAuth',
 *     });
 *   } catch (e) {
 *     if (e instanceof CertificateError && e.code === 'EXPIRED') renew();
 *   }
 */
export function verifyChain(
  leaf: CertificateInput,
  chain: string | readonly CertificateInput[],
  trustedRoot: CertificateInput,
  now: Date = new Date(),
  options: VerifyChainOptions = {},
): VerifiedChain {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new CertificateError('INVALID_ARGUMENT', 'now is not a valid date');
  }
  const leafCert = parseCertificate(leaf);
  const root = parseCertificate(trustedRoot);
  const intermediates =
    typeof chain === 'string'
      ? chain.trim() === ''
        ? []
        : parseCertificateChainPem(chain)
      : chain.map(parseCertificate);
  if (intermediates.length > MAX_CHAIN_CERTIFICATES) {
    throw new CertificateError(
      'MALFORMED',
      `chain has ${intermediates.length} certificates, more than ${MAX_CHAIN_CERTIFICATES}`,
    );
  }
  if (leafCert.getExtension(x509.BasicConstraintsExtension)?.ca) {
    throw new CertificateError('WRONG_CERT_TYPE', 'the leaf certificate is a CA certificate');
  }

  const path = buildPath(leafCert, intermediates, root);
  checkIssuers(path);
  for (const cert of path) checkCriticalExtensions(cert);
  for (const cert of path) checkValidity(cert, now);
  if (options.requiredUsage) checkExtendedKeyUsage(leafCert, options.requiredUsage);
  return { path };
}

function buildPath(
  leaf: x509.X509Certificate,
  intermediates: readonly x509.X509Certificate[],
  root: x509.X509Certificate,
): x509.X509Certificate[] {
  const path = [leaf];
  const used = new Set<number>();
  let tamperedLink = false;
  let current = leaf;
  // Each step consumes one intermediate, so the loop ends after at most intermediates.length + 1.
  for (;;) {
    const viaRoot = issuedBy(current, root);
    if (viaRoot === 'yes') {
      path.push(root);
      return path;
    }
    tamperedLink ||= viaRoot === 'bad-signature';
    let next = -1;
    for (let i = 0; i < intermediates.length && next === -1; i++) {
      if (used.has(i)) continue;
      const verdict = issuedBy(current, intermediates[i] as x509.X509Certificate);
      if (verdict === 'yes') next = i;
      tamperedLink ||= verdict === 'bad-signature';
    }
    if (next === -1) {
      const subject = current.subject;
      throw tamperedLink
        ? new CertificateError('BAD_SIGNATURE', `signature of "${subject}" does not verify`)
        : new CertificateError(
            'WRONG_CA',
            `"${subject}" (issuer "${current.issuer}") does not chain to the trusted root`,
          );
    }
    used.add(next);
    current = intermediates[next] as x509.X509Certificate;
    path.push(current);
  }
}

/**
 * 'yes' when `parent` issued `child`; 'bad-signature' when names and key ids match but the
 * signature does not verify; 'no' otherwise.
 */
function issuedBy(
  child: x509.X509Certificate,
  parent: x509.X509Certificate,
): 'yes' | 'no' | 'bad-signature' {
  const issuerName = Buffer.from(child.issuerName.toArrayBuffer());
  if (!issuerName.equals(Buffer.from(parent.subjectName.toArrayBuffer()))) return 'no';
  const aki = child.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  const ski = parent.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const keyIdsMatch = aki !== undefined && ski !== undefined && aki === ski;
  if (aki !== undefined && ski !== undefined && !keyIdsMatch) return 'no';
  if (signatureVerifies(child, parent)) return 'yes';
  return keyIdsMatch ? 'bad-signature' : 'no';
}

function signatureVerifies(child: x509.X509Certificate, parent: x509.X509Certificate): boolean {
  try {
    const parentKey = new NodeX509Certificate(Buffer.from(parent.rawData)).publicKey;
    return new NodeX509Certificate(Buffer.from(child.rawData)).verify(parentKey);
  } catch {
    return false;
  }
}

function checkIssuers(path: readonly x509.X509Certificate[]): void {
  for (let i = 1; i < path.length; i++) {
    const issuer = path[i] as x509.X509Certificate;
    const constraints = issuer.getExtension(x509.BasicConstraintsExtension);
    if (!constraints?.ca) {
      throw new CertificateError('WRONG_CA', `"${issuer.subject}" is not a CA certificate`);
    }
    const keyUsage = issuer.getExtension(x509.KeyUsagesExtension);
    if (keyUsage && (keyUsage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
      throw new CertificateError('WRONG_CA', `"${issuer.subject}" may not sign certificates`);
    }
    // path[1..i-1] are the intermediates below this issuer.
    if (constraints.pathLength !== undefined && i - 1 > constraints.pathLength) {
      throw new CertificateError(
        'WRONG_CA',
        `"${issuer.subject}" allows ${constraints.pathLength} CAs below it, the path has ${i - 1}`,
      );
    }
  }
}

function checkCriticalExtensions(cert: x509.X509Certificate): void {
  for (const extension of cert.extensions) {
    if (extension.critical && !PROCESSED_EXTENSIONS.has(extension.type)) {
      throw new CertificateError(
        'UNKNOWN_CRITICAL_OPTION',
        `"${cert.subject}" has unknown critical extension ${extension.type}`,
      );
    }
  }
}

function checkValidity(cert: x509.X509Certificate, now: Date): void {
  if (now.getTime() < cert.notBefore.getTime()) {
    throw new CertificateError(
      'NOT_YET_VALID',
      `"${cert.subject}" is not valid before ${cert.notBefore.toISOString()}`,
    );
  }
  if (now.getTime() > cert.notAfter.getTime()) {
    throw new CertificateError(
      'EXPIRED',
      `"${cert.subject}" expired at ${cert.notAfter.toISOString()}`,
    );
  }
}

function checkExtendedKeyUsage(
  leaf: x509.X509Certificate,
  usage: 'serverAuth' | 'clientAuth',
): void {
  const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension);
  if (!eku) return;
  const wanted = x509.ExtendedKeyUsage[usage];
  const usages = eku.usages.map(String);
  if (!usages.includes(wanted) && !usages.includes(ANY_EXTENDED_KEY_USAGE_OID)) {
    throw new CertificateError('WRONG_CERT_TYPE', `the leaf certificate is not valid for ${usage}`);
  }
}
