/**
 * The listen address of the observability server: `host:port` or `[ipv6]:port`; port 0 asks the
 * kernel for a free port (tests). A bare `:port` means loopback — this port is for operators, and
 * exposing it on every interface must be a choice (`0.0.0.0:9464`).
 *
 * @example
 *   parseObservabilityListenAddress('127.0.0.1:9464'); // { host: '127.0.0.1', port: 9464 }
 *   parseObservabilityListenAddress(':9464');          // { host: '127.0.0.1', port: 9464 }
 *   parseObservabilityListenAddress('nope');           // 'expected host:port'
 */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Returns the parsed address, or why the text is not one (without naming the setting). */
export function parseObservabilityListenAddress(text: string): ListenAddress | string {
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
    if (host.includes(':')) return 'an IPv6 host must be written in brackets, e.g. [::1]:9464';
  }
  if (!/^\d{1,5}$/.test(portText)) return `port "${portText}" is not a number`;
  const port = Number(portText);
  if (port > 65_535) return `port ${port} is outside 0-65535`;
  return { host: host === '' ? '127.0.0.1' : host, port };
}
