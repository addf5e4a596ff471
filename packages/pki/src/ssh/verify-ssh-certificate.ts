/**
 * Deciding whether to trust an OpenSSH certificate (format: see `ssh-certificate.ts`), the checks
 * sshd makes for `TrustedUserCAKeys` and ssh makes for `@cert-authority`, in this order — the
 * first failure is the error thrown:
 *
 *   1. structure                        MALFORMED (with byte offset) / UNSUPPORTED_ALGORITHM
 *   2. CA key bytes ∈ trustedCaKeys     WRONG_CA       exact blob comparison, nothing else counts
 *   3. CA signature over the body       BAD_SIGNATURE  (UNSUPPORTED_ALGORITHM for SHA-1 ssh-rsa)
 *   4. user / host                      WRONG_CERT_TYPE
 *   5. valid after <= now < valid before NOT_YET_VALID / EXPIRED
 *   6. principal listed                 WRONG_PRINCIPAL  (an empty list matches nothing)
 *   7. key ID equal                     WRONG_KEY_ID
 *   8. critical options all understood  UNKNOWN_CRITICAL_OPTION
 *
 * Critical options: a certificate carrying one the caller does not enforce must be refused
 * (PROTOCOL.certkeys). By default every critical option is refused; a caller that enforces, say,
 * `source-address` lists it in `allowedCriticalOptions` and reads its value from the result.
 *
 * This checks the certificate only. Whoever presents it must still prove possession of the
 * subject key (`verifySshSignature(cert.publicKeyBlob, ...)`).
 */
import { CertificateError } from '../certificate-error.ts';
import {
  parseSshCertificate,
  type SshCertificate,
  type SshCertificateType,
} from './ssh-certificate.ts';
import { decodeSshPublicKey } from './ssh-public-key.ts';
import { parseSshSignature, verifySshSignatureWithKey } from './ssh-signature.ts';

/** What a certificate must satisfy. */
export interface SshCertificatePolicy {
  /** CA public key blobs; the certificate's signature key must equal one byte for byte. */
  readonly trustedCaKeys: readonly Buffer[];
  readonly certType: SshCertificateType;
  /** If set, must be one of the certificate's principals. */
  readonly principal?: string;
  /** If set, the certificate's key ID must equal it. */
  readonly keyId?: string;
  /** Default: the current time. */
  readonly now?: Date;
  /** Critical options the caller enforces itself. Default none: any critical option is refused. */
  readonly allowedCriticalOptions?: readonly string[];
}

/**
 * Verifies a certificate against a policy and returns it (re-parsed from its own bytes, so
 * fields edited on a parsed object are never trusted). Throws `CertificateError` on any failure.
 *
 * @example
 *   const cert = verifySshCertificate(ctx.key.data, {
 *     trustedCaKeys: [gatewayCaBlob], certType: 'user', principal: ctx.username,
 *     keyId: `client-${relayName}`,
 *   });
 *   verifySshSignature(cert.publicKeyBlob, ctx.blob, ctx.signature);
 */
export function verifySshCertificate(
  cert: SshCertificate | string | Buffer,
  policy: SshCertificatePolicy,
): SshCertificate {
  const { trustedCaKeys, certType } = policy;
  if (!Array.isArray(trustedCaKeys) || !trustedCaKeys.every((k) => Buffer.isBuffer(k))) {
    throw new CertificateError('INVALID_ARGUMENT', 'trustedCaKeys must be a list of key blobs');
  }
  if (certType !== 'user' && certType !== 'host') {
    throw new CertificateError('INVALID_ARGUMENT', "certType must be 'user' or 'host'");
  }
  const nowMs = (policy.now ?? new Date()).getTime();
  if (Number.isNaN(nowMs))
    throw new CertificateError('INVALID_ARGUMENT', 'now is not a valid Date');

  const parsed =
    typeof cert === 'string' || Buffer.isBuffer(cert)
      ? parseSshCertificate(cert)
      : { ...parseSshCertificate(cert.blob), comment: cert.comment };

  if (!trustedCaKeys.some((k) => k.equals(parsed.signatureKeyBlob))) {
    throw new CertificateError('WRONG_CA', 'certificate is not signed by a trusted CA key');
  }

  const signatureOffset = parsed.signedBytes.length + 4;
  verifySshSignatureWithKey(
    decodeSshPublicKey(parsed.signatureKeyBlob),
    parsed.signedBytes,
    parseSshSignature(parsed.signature, signatureOffset),
    signatureOffset,
  );

  if (parsed.type !== certType) {
    throw new CertificateError(
      'WRONG_CERT_TYPE',
      `${parsed.type} certificate, ${certType} required`,
    );
  }

  const now = BigInt(Math.floor(nowMs / 1000));
  if (now < parsed.validAfter) {
    throw new CertificateError('NOT_YET_VALID', `certificate is valid from ${parsed.validAfter}`);
  }
  if (now >= parsed.validBefore) {
    throw new CertificateError('EXPIRED', `certificate expired at ${parsed.validBefore}`);
  }

  if (policy.principal !== undefined && !parsed.principals.includes(policy.principal)) {
    throw new CertificateError(
      'WRONG_PRINCIPAL',
      `principal ${JSON.stringify(policy.principal)} is not in the certificate`,
    );
  }

  if (policy.keyId !== undefined && parsed.keyId !== policy.keyId) {
    throw new CertificateError(
      'WRONG_KEY_ID',
      `key ID ${JSON.stringify(parsed.keyId)}, ${JSON.stringify(policy.keyId)} required`,
    );
  }

  const allowed = policy.allowedCriticalOptions ?? [];
  for (const name of Object.keys(parsed.criticalOptions)) {
    if (!allowed.includes(name)) {
      throw new CertificateError(
        'UNKNOWN_CRITICAL_OPTION',
        `critical option ${JSON.stringify(name)} is not understood here`,
      );
    }
  }
  return parsed;
}
