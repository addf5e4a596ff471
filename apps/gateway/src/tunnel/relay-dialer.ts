/**
 * Dials the relay with a registration's SSH credentials (reference §5.3), through
 * @burrow/ssh-transport: SSH user = gatewayId, OpenSSH user certificate auth, the relay's host
 * certificate checked against `ssh.serverCAPublicKey` with principal `<host>:<sshPort>`, and
 * keepalives (a dead relay is noticed within seconds and the connection emits 'close').
 */
import { connectToRelay, type RelayConnectOptions } from '@burrow/ssh-transport';
import { GATEWAY_SSH_DIAL_TIMEOUT_MS, GATEWAY_SSH_IDENT } from '@burrow/tunnel-protocol';
import type { GatewayRegistration } from '../platform/gateway-registration.ts';
import type { RelayConnection } from './relay-tunnel.ts';

/**
 * What a tool that runs many gateways in one process (the bench's swarm) may set on top of the
 * gateway's own dial: its source address and keepalive schedule. burrow-gateway sets none.
 */
export type RelayDialTuning = Pick<
  RelayConnectOptions,
  'localAddress' | 'keepaliveIntervalMs' | 'keepaliveCountMax'
>;

export type RelayDialer = (
  registration: GatewayRegistration,
  tuning?: RelayDialTuning,
) => Promise<RelayConnection>;

/**
 * @example
 *   const connection = await dialRelay(registration);
 *   connection.on('channel', (channel) => innerTls.handleChannel(channel));
 */
export const dialRelay: RelayDialer = (registration, tuning = {}) =>
  connectToRelay({
    host: registration.relaySshHost,
    port: registration.relaySshPort,
    username: registration.gatewayId,
    privateKey: registration.ssh.clientPrivateKey,
    certificate: registration.ssh.clientCertificate,
    serverCaPublicKey: registration.ssh.serverCAPublicKey,
    hostPrincipal: registration.relayHostPrincipal,
    dialTimeoutMs: GATEWAY_SSH_DIAL_TIMEOUT_MS,
    // Asks for the relay's drain notice (tunnel-protocol drain-notice.ts).
    ident: GATEWAY_SSH_IDENT,
    ...tuning,
  });
