import net from 'node:net';
import { AuthError } from './auth-error.ts';

/**
 * Trusted IP ranges (Infisical's `clientSecretTrustedIps` / `accessTokenTrustedIps`): a list of
 * `{ ipAddress }` entries, each an IPv4/IPv6 address or CIDR. A credential is only accepted from
 * an address inside one of them. The default list trusts every address.
 *
 * @example
 *   const ranges = normalizeTrustedIps([{ ipAddress: '10.0.0.0/8' }]);
 *   isIpTrusted('10.1.2.3', ranges); // true
 */
export interface TrustedIp {
  ipAddress: string;
  type?: 'ipv4' | 'ipv6';
  prefix?: number;
}

export const TRUST_EVERY_IP: readonly TrustedIp[] = [
  { ipAddress: '0.0.0.0/0', type: 'ipv4', prefix: 0 },
  { ipAddress: '::/0', type: 'ipv6', prefix: 0 },
];

/** Validates and normalises a trusted-IP list; throws INVALID_ARGUMENT naming the bad entry. */
export function normalizeTrustedIps(entries: readonly { ipAddress: string }[]): TrustedIp[] {
  return entries.map(({ ipAddress }) => {
    const [address = '', prefixText, extra] = ipAddress.trim().split('/');
    const family = net.isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (
      family === 0 ||
      extra !== undefined ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > maxPrefix ||
      (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText))
    ) {
      throw new AuthError('INVALID_ARGUMENT', `"${ipAddress}" is not an IP address or CIDR range`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    return { ipAddress: `${address}/${prefix}`, type, prefix };
  });
}

/** True when `clientIp` lies in one of the ranges (IPv4-mapped IPv6 addresses count as IPv4). */
export function isIpTrusted(clientIp: string, ranges: readonly TrustedIp[]): boolean {
  const address =
    clientIp.startsWith('::ffff:') && net.isIPv4(clientIp.slice(7)) ? clientIp.slice(7) : clientIp;
  const family = net.isIP(address);
  if (family === 0) return false;
  const list = new net.BlockList();
  for (const range of normalizeTrustedIps(ranges)) {
    const [network = '', prefix] = range.ipAddress.split('/');
    list.addSubnet(network, Number(prefix), range.type === 'ipv4' ? 'ipv4' : 'ipv6');
  }
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Throws unless `clientIp` is trusted; `what` names the credential. Logins are refused with
 * LOGIN_IP_NOT_TRUSTED (401), uses of an access token with IP_NOT_TRUSTED (403).
 */
export function assertIpTrusted(
  clientIp: string,
  ranges: readonly TrustedIp[],
  what: string,
  code: 'IP_NOT_TRUSTED' | 'LOGIN_IP_NOT_TRUSTED' = 'IP_NOT_TRUSTED',
): void {
  if (!isIpTrusted(clientIp, ranges)) {
    throw new AuthError(code, `${what} may not be used from ${clientIp}`);
  }
}
