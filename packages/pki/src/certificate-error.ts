/**
 * The one error type every certificate operation in this package throws.
 *
 * Callers branch on `code`, never on message text. `offset` is set for malformed input and says at
 * which byte of the blob (SSH wire data or DER) parsing failed.
 *
 * @example
 *   try { verifySshCertificate(cert, policy) }
 *   catch (e) { if (e instanceof CertificateError && e.code === 'EXPIRED') renew() }
 */
export type CertificateErrorCode =
  | 'MALFORMED' // input is not what it claims to be (bad PEM, bad base64, truncated blob, ...)
  | 'UNSUPPORTED_ALGORITHM' // a key or signature type we do not handle
  | 'WRONG_CA' // signed by a key other than the trusted CA key
  | 'BAD_SIGNATURE' // the CA key matches but the signature does not verify (tampered)
  | 'EXPIRED' // now > valid-before / notAfter
  | 'NOT_YET_VALID' // now < valid-after / notBefore
  | 'WRONG_PRINCIPAL' // required principal / name not in the certificate
  | 'WRONG_CERT_TYPE' // user certificate where a host certificate is required, or vice versa
  | 'WRONG_KEY_ID' // OpenSSH key ID differs from the one required
  | 'UNKNOWN_CRITICAL_OPTION' // an OpenSSH critical option we do not understand
  | 'INVALID_ARGUMENT'; // the caller asked for something impossible (e.g. negative validity)

export class CertificateError extends Error {
  readonly code: CertificateErrorCode;
  readonly offset: number | undefined;

  constructor(
    code: CertificateErrorCode,
    message: string,
    options?: { offset?: number; cause?: unknown },
  ) {
    super(options?.offset === undefined ? message : `${message} (at byte ${options.offset})`, {
      cause: options?.cause,
    });
    this.name = 'CertificateError';
    this.code = code;
    this.offset = options?.offset;
  }
}
