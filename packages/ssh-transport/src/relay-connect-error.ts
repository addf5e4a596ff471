/**
 * Why a gateway could not connect to its relay. `connectToRelay` rejects with exactly one of
 * these; callers branch on `code` (e.g. re-register on AUTH_REFUSED, back off on NETWORK).
 */
import type { CertificateErrorCode } from '@burrow/pki';

export type RelayConnectErrorCode =
  | 'HOST_CERTIFICATE_REFUSED' // the relay's host certificate failed a check (`certificateCode` says which)
  | 'HANDSHAKE_FAILED' // key exchange failed, e.g. the relay did not sign with its certificate's key
  | 'AUTH_REFUSED' // the relay refused the gateway's user certificate
  | 'TIMEOUT' // no login within the dial timeout
  | 'NETWORK'; // TCP connect failed or the connection dropped before login

export class RelayConnectError extends Error {
  readonly code: RelayConnectErrorCode;
  /** For HOST_CERTIFICATE_REFUSED: @burrow/pki's code for the failed check. */
  readonly certificateCode: CertificateErrorCode | undefined;

  constructor(
    code: RelayConnectErrorCode,
    message: string,
    options?: { cause?: unknown; certificateCode?: CertificateErrorCode },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'RelayConnectError';
    this.code = code;
    this.certificateCode = options?.certificateCode;
  }
}
