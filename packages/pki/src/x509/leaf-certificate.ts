/**
 * What every leaf profile shares: options (issuer, key, lifetime), the result shape, and the
 * common extensions — basicConstraints CA:FALSE (critical: a leaf can never act as a CA), keyUsage
 * (critical, see leaf-key-usage.ts), extendedKeyUsage serverAuth or clientAuth.
 */
import type { CertificateAuthority } from './certificate-authority.ts';
import { certificateToPem } from './certificate-pem.ts';
import type { DistinguishedName } from './distinguished-name.ts';
import { DEFAULT_KEY_ALGORITHM, keyAlgorithmOf, type KeyAlgorithm } from './key-algorithm.ts';
import { generateKeyPair, type KeyPair } from './key-pair.ts';
import { leafKeyUsageFlags, type LeafRole } from './leaf-key-usage.ts';
import * as x509 from './peculiar-x509.ts';
import { exportPrivateKeyPem } from './private-key-pem.ts';
import { signCertificate } from './sign-certificate.ts';
import { validityPeriod } from './validity-period.ts';

/**
 * Options every leaf profile takes.
 *
 * @example
 *   const common: LeafCertificateOptions = { issuer: gatewayClientCa, lifetimeMs: 60_000 };
 */
export interface LeafCertificateOptions {
  readonly issuer: CertificateAuthority;
  /** Key type of the generated key; default 'ecdsa-p256'. Ignored when `keyPair` is given. */
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Certify this key instead of generating one. */
  readonly keyPair?: KeyPair;
  /** Lifetime from `now`; each profile has the reference's default. */
  readonly lifetimeMs?: number;
  /** Issue time; default the current time. */
  readonly now?: Date;
}

/**
 * An issued leaf: certificate and key, as objects and as the PEM strings node:tls takes.
 *
 * @example
 *   const leaf = await issueGatewayServerCertificate({ issuer: serverCa, orgId, gatewayId });
 *   tls.createServer({ key: leaf.privateKeyPem, cert: leaf.certificatePem });
 */
export interface IssuedCertificate {
  readonly certificate: x509.X509Certificate;
  readonly certificatePem: string;
  readonly keyPair: KeyPair;
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
}

/**
 * A profile's contribution to a leaf.
 *
 * @example
 *   const profile: LeafProfile = { subject: { CN: 'Gateway' }, role: 'server', defaultLifetimeMs: 86_400_000, extensions: [] };
 */
export interface LeafProfile {
  readonly subject: DistinguishedName;
  readonly role: LeafRole;
  readonly defaultLifetimeMs: number;
  /** Profile-specific extensions (SAN, policies, custom JSON). */
  readonly extensions: readonly x509.Extension[];
}

/**
 * Issues a leaf for a profile.
 *
 * @example
 *   await issueLeafCertificate(options, { subject, role: 'client', defaultLifetimeMs, extensions });
 */
export async function issueLeafCertificate(
  options: LeafCertificateOptions,
  profile: LeafProfile,
): Promise<IssuedCertificate> {
  // Validate before the (slow, for RSA) key generation.
  const validity = validityPeriod(
    options.now ?? new Date(),
    options.lifetimeMs ?? profile.defaultLifetimeMs,
  );
  const keyPair =
    options.keyPair ?? (await generateKeyPair(options.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM));
  const extendedKeyUsage =
    profile.role === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth;
  const certificate = await signCertificate({
    issuer: options.issuer,
    subject: profile.subject,
    subjectKeyPair: keyPair,
    validity,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        leafKeyUsageFlags(profile.role, keyAlgorithmOf(keyPair.publicKey)),
        true,
      ),
      new x509.ExtendedKeyUsageExtension([extendedKeyUsage], false),
      ...profile.extensions,
    ],
  });
  return {
    certificate,
    certificatePem: certificateToPem(certificate),
    keyPair,
    privateKeyPem: exportPrivateKeyPem(keyPair),
  };
}
