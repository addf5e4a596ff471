import { RELAY_TLS_PORT } from '@burrow/tunnel-protocol';
import { CliError } from './cli-error.ts';

/**
 * The `relayHost` of an access response: `host`, `host:port` or `[v6]:port`; the port defaults
 * to the relay's TLS port 8443 (reference §1).
 *
 * @example
 *   parseRelayAddress('relay.example.com')   // { host: 'relay.example.com', port: 8443 }
 *   parseRelayAddress('127.0.0.1:18443')     // { host: '127.0.0.1', port: 18443 }
 *   formatRelayAddress({ host: '::1', port: 8443 }) // '[::1]:8443'
 */
export interface RelayAddress {
  host: string;
  port: number;
}

export function parseRelayAddress(relayHost: string): RelayAddress {
  const text = relayHost.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1] as string, port: portOf(bracketed[2], relayHost) };
  const colons = text.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = text.split(':') as [string, string];
    return { host, port: portOf(port, relayHost) };
  }
  if (text === '') throw new CliError('the control plane sent an empty relay address');
  return { host: text, port: RELAY_TLS_PORT }; // a bare host name or a bare IPv6 address
}

/** `host:port`, `[v6]:port` for IPv6: how a relay is named in messages and remembered. */
export function formatRelayAddress(address: RelayAddress): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

function portOf(text: string | undefined, whole: string): number {
  if (text === undefined) return RELAY_TLS_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new CliError(`the control plane sent an invalid relay address ${JSON.stringify(whole)}`);
  return port;
}
