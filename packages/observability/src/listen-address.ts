/**
 * A TCP listen address written as `host:port` or `[ipv6]:port`; a bare `:port` takes the caller's
 * default host. One parser for every Burrow listen setting: the relay's SSH/TLS listeners (`:port`
 * means all IPv4 interfaces; port 0 refused, since the relay reports its ports to the control plane
 * before it listens) and the observability server (see parseObservabilityListenAddress).
 *
 * @example
 *   parseListenAddress('0.0.0.0:2222'); // { host: '0.0.0.0', port: 2222 }
 *   parseListenAddress('[::1]:8443');   // { host: '::1', port: 8443 }
 */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface ListenAddressRules {
  /** Host used for a bare `:port`. Default: all IPv4 interfaces (`0.0.0.0`). */
  readonly defaultHost?: string;
  /** Whether port 0 (kernel picks a free port) is accepted. Default: false. */
  readonly allowPortZero?: boolean;
  /** Example shown when an IPv6 host is written without brackets. Default: `[::]:2222`. */
  readonly ipv6Example?: string;
}

const ALL_IPV4_INTERFACES = '0.0.0.0';

/** Returns the parsed address, or a reason (without the value's setting name) why it is invalid. */
export function parseListenAddress(
  text: string,
  rules: ListenAddressRules = {},
): ListenAddress | string {
  const {
    defaultHost = ALL_IPV4_INTERFACES,
    allowPortZero = false,
    ipv6Example = '[::]:2222',
  } = rules;
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
    if (host.includes(':')) return `an IPv6 host must be written in brackets, e.g. ${ipv6Example}`;
  }
  if (!/^\d{1,5}$/.test(portText)) return `port "${portText}" is not a number`;
  const port = Number(portText);
  const lowest = allowPortZero ? 0 : 1;
  if (port < lowest || port > 65_535) return `port ${port} is outside ${lowest}-65535`;
  return { host: host === '' ? defaultHost : host, port };
}

export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/**
 * The listen address of the observability server: port 0 asks the kernel for a free port (tests).
 * A bare `:port` means loopback — this port is for operators, and exposing it on every interface
 * must be a choice (`0.0.0.0:9464`).
 *
 * @example
 *   parseObservabilityListenAddress('127.0.0.1:9464'); // { host: '127.0.0.1', port: 9464 }
 *   parseObservabilityListenAddress(':9464');          // { host: '127.0.0.1', port: 9464 }
 *   parseObservabilityListenAddress('nope');           // 'expected host:port'
 */
export function parseObservabilityListenAddress(text: string): ListenAddress | string {
  return parseListenAddress(text, {
    defaultHost: '127.0.0.1',
    allowPortZero: true,
    ipv6Example: '[::1]:9464',
  });
}
