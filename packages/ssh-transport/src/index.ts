/**
 * @burrow/ssh-transport — ssh2 speaking the reference's SSH scheme between gateway and relay:
 * OpenSSH user certificates for gateways, an OpenSSH host certificate in key exchange for the
 * relay, relay-opened `direct-tcpip` channels with an empty payload, keepalives on both ends.
 * ssh2 1.17.0 is patched for this (patches/ssh2@1.17.0.patch; see README.md).
 *
 * Relay: `createRelaySshServer` -> `'gateway'` (GatewaySshSession: `openChannel()`).
 * Gateway: `connectToRelay` -> RelaySshConnection (`'channel'`).
 */
export {
  createRelaySshServer,
  RELAY_MAX_AUTH_ATTEMPTS,
  type RelaySshServer,
  type RelaySshServerOptions,
} from './relay-ssh-server.ts';
export type { GatewaySshSession } from './gateway-ssh-session.ts';
export type { RelayAuthFailure, RelayAuthFailureCode } from './relay-auth-failure.ts';
export {
  connectToRelay,
  type RelayConnectOptions,
  type RelaySshConnection,
} from './relay-connection.ts';
export { RelayConnectError, type RelayConnectErrorCode } from './relay-connect-error.ts';

// Building blocks, for callers that drive ssh2 themselves (and for tests).
export {
  createHostCertificateVerifier,
  hostCertificateKeys,
  HOST_CERTIFICATE_ALGORITHMS,
  type HostCertificatePolicy,
  type HostCertificateVerifier,
} from './host-certificate-kex.ts';
export {
  UserCertificateRefusal,
  verifyGatewayLogin,
  type GatewayIdentity,
  type UserCertificatePolicy,
} from './user-certificate-auth.ts';
export {
  createUserCertificateKey,
  singleAttemptAuthHandler,
  userCertificateAlgorithm,
} from './user-certificate-key.ts';
export {
  acceptDirectTcpipChannels,
  CHANNEL_MAX_PACKET_SIZE,
  CHANNEL_WINDOW,
  openDirectTcpipChannel,
} from './direct-tcpip-channel.ts';
export {
  SSH_CIPHER_ALGORITHMS,
  SSH_KEX_ALGORITHMS,
  SSH_MAC_ALGORITHMS,
  sshAlgorithms,
} from './ssh-algorithms.ts';
export { loadSshPrivateKey } from './ssh-private-key.ts';
export { parseCaPublicKeyLine } from './ca-public-key-line.ts';
export { assertSsh2Patched, ssh2NativeCryptoAvailable } from './ssh2-patch.ts';
