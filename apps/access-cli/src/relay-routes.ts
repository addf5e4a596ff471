import type { accessPamAccount, RouteResponse } from '@burrow/platform-api';
import type { TlsCredentials } from '@burrow/tunnel-protocol';
import { parseRelayAddress, type RelayAddress } from './relay-address.ts';

/**
 * The relays an access answer offers, in the control plane's order: its `relays[]` (Burrow HA),
 * or — from a reference control plane, or when the list is empty — the single relay of the
 * `relayHost`/`relayClient*` fields. Addresses are parsed here, so a bad one fails at once.
 *
 * @example
 *   relayRoutesOf(access).map((route) => `${route.address.host}:${route.address.port}`);
 */
export interface RelayRoute {
  address: RelayAddress;
  /** The relay client certificate for this relay (CN = gateway ID) and its server chain. */
  credentials: TlsCredentials;
}

export function relayRoutesOf(access: RouteResponse<typeof accessPamAccount>): RelayRoute[] {
  const listed = Array.isArray(access.relays) ? access.relays : [];
  const relays = listed.length > 0 ? listed : [access];
  return relays.map((relay) => ({
    address: parseRelayAddress(relay.relayHost),
    credentials: {
      certificate: relay.relayClientCertificate,
      privateKey: relay.relayClientPrivateKey,
      serverCertificateChain: relay.relayServerCertificateChain,
    },
  }));
}
