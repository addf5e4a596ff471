/**
 * A TCP listen address written as `host:port` or `[ipv6]:port` (`:port` means all IPv4
 * interfaces). Port 0 is refused: the relay tells the control plane its ports when it registers,
 * before it listens, so they must be known up front.
 *
 * @example
 *   parseListenAddress('0.0.0.0:2222'); // { host: '0.0.0.0', port: 2222 }
 *   parseListenAddress('[::1]:8443');   // { host: '::1', port: 8443 }
 */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

const ALL_IPV4_INTERFACES = '0.0.0.0';

/** Returns the parsed address, or a reason (without the value's setting name) why it is invalid. */
export function parseListenAddress(text: string): ListenAddress | string {
  const value = text.trim();
  let host: string;
  let portText: string;
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close === -1 || value[close + 1] !== ':') return 'expected [ipv6]:port';
    host = value.slice(1, close);
    portText = value.slice(close + 2);
  } else {
    const colon = value.lastIndexOf(':');
    if (colon === -1) return 'expected host:port';
    host = value.slice(0, colon);
    portText = value.slice(colon + 1);
    if (host.includes(':')) return 'an IPv6 host must be written in brackets, e.g. [::]:2222';
  }
  if (!/^\d{1,5}$/.test(portText)) return `port "${portText}" is not a number`;
  const port = Number(portText);
  if (port < 1 || port > 65_535) return `port ${port} is outside 1-65535`;
  return { host: host === '' ? ALL_IPV4_INTERFACES : host, port };
}

export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}
