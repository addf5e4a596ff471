/**
 * Self-signed root CAs, as the reference makes them: keyUsage keyCertSign|cRLSign, basicConstraints
 * CA (critical, no path length limit), valid until 2045 unless told otherwise.
 */
import type { CertificateAuthority } from './certificate-authority.ts';
import { certificateToPem } from './certificate-pem.ts';
import type { DistinguishedName } from './distinguished-name.ts';
import { DEFAULT_KEY_ALGORITHM, type KeyAlgorithm } from './key-algorithm.ts';
import { generateKeyPair, type KeyPair } from './key-pair.ts';
import * as x509 from './peculiar-x509.ts';
import { signCertificate } from './sign-certificate.ts';
import { CA_DEFAULT_NOT_AFTER, caValidityPeriod } from './validity-period.ts';

/**
 * Options of createRootCa.
 *
 * @example
 *   const options: RootCaOptions = { subject: { O: 'Infisical', CN: 'Infisical Instance Root Relay CA' } };
 */
export interface RootCaOptions {
  readonly subject: DistinguishedName;
  /** Default 'ecdsa-p256'; ignored when `keyPair` is given. */
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Use this key instead of generating one. */
  readonly keyPair?: KeyPair;
  /** Default 2045-01-01 (CA_DEFAULT_NOT_AFTER). */
  readonly notAfter?: Date;
  /** Issue time; default the current time. */
  readonly now?: Date;
}

/**
 * Creates a self-signed root CA.
 *
 * @example
 *   const root = await createRootCa({ subject: { O: orgId, CN: 'Infisical Gateway Root CA' } });
 *   fs.writeFileSync('root.pem', root.certificatePem);
 */
export function createRootCa(options: RootCaOptions): Promise<CertificateAuthority> {
  return issueCaCertificate(options);
}

/**
 * Signs a CA certificate — self-signed without `issuer`, else by it with `pathLength` — with
 * keyUsage keyCertSign|cRLSign and basicConstraints CA (both critical). Root and intermediate CAs
 * differ only in these two inputs.
 */
export async function issueCaCertificate(
  options: RootCaOptions,
  issuer?: CertificateAuthority,
  pathLength?: number,
): Promise<CertificateAuthority> {
  const keyPair =
    options.keyPair ?? (await generateKeyPair(options.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM));
  const certificate = await signCertificate({
    ...(issuer ? { issuer } : {}),
    subject: options.subject,
    subjectKeyPair: keyPair,
    validity: caValidityPeriod(options.now ?? new Date(), options.notAfter ?? CA_DEFAULT_NOT_AFTER),
    extensions: [
      new x509.BasicConstraintsExtension(true, pathLength, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  return {
    certificate,
    certificatePem: certificateToPem(certificate),
    keyPair,
    issuerCertificates: issuer ? [issuer.certificate, ...issuer.issuerCertificates] : [],
  };
}
