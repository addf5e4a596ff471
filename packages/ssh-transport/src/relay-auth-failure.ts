/**
 * The relay's report of a refused gateway login: emitted as `'auth-failure'` by the relay SSH
 * server for every refusal, so an operator can tell "expired certificate" from "wrong relay"
 * without a packet capture. The gateway itself only learns "publickey failed" (SSH has no reason
 * field for USERAUTH_FAILURE), as with OpenSSH.
 */
import type { CertificateErrorCode } from '@burrow/pki';

/** Why a login was refused: @burrow/pki's certificate codes, plus the transport's own. */
export type RelayAuthFailureCode =
  | CertificateErrorCode
  | 'CERTIFICATE_REQUIRED' // a plain key (or a password, ...) instead of a user certificate
  | 'PROOF_OF_POSSESSION_FAILED' // the signature is not by the key inside the certificate
  | 'TOO_MANY_ATTEMPTS' // more failed attempts than RELAY_MAX_AUTH_ATTEMPTS: disconnected
  | 'HANDSHAKE_TIMEOUT'; // no successful login within the handshake deadline: disconnected

/** Payload of the relay SSH server's `'auth-failure'` event. */
export interface RelayAuthFailure {
  readonly code: RelayAuthFailureCode;
  readonly reason: string;
  /** The SSH user name the peer asked for, once it said. */
  readonly username: string | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
}
