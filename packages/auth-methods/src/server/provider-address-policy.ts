import dns from 'node:dns';
import net from 'node:net';

/**
 * Where the control plane may send identity-provider requests. The URLs come from admins (an
 * OIDC discovery URL, a JWKS URL, a Kubernetes API host, an STS endpoint): they are trusted, as
 * in the reference, and may well be private (an in-cluster API server, a VPC STS endpoint). An
 * operator who does not want an admin to point the control plane at its own private network
 * sets `BURROW_REFUSE_PRIVATE_IDP_ADDRESSES=true`: then every provider request whose host is, or
 * resolves to, a loopback, private, link-local, carrier-grade NAT, unique-local, multicast or
 * unspecified address is refused before a connection is made. The check runs on the addresses
 * actually dialled (a custom DNS lookup), so a name that resolves differently later cannot slip
 * past it.
 *
 * The policy is process-wide: the control plane sets it once at start.
 *
 * @example
 *   setProviderAddressPolicy({ refusePrivateAddresses: true });
 *   isPrivateAddress('10.1.2.3'); // true
 */
export interface ProviderAddressPolicy {
  refusePrivateAddresses: boolean;
}

let policy: ProviderAddressPolicy = { refusePrivateAddresses: false };

export function setProviderAddressPolicy(next: ProviderAddressPolicy): void {
  policy = { ...next };
}

export function providerAddressPolicy(): ProviderAddressPolicy {
  return policy;
}

const PRIVATE_RANGES = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE_RANGES.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE_RANGES.addSubnet(address, prefix, 'ipv6');
}

/** True for addresses inside the ranges above (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE_RANGES.check(mapped, 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return false;
  return PRIVATE_RANGES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why `hostname` (a literal address) may not be asked under the policy, or undefined. */
export function refusedLiteral(hostname: string): string | undefined {
  const address = hostname.replace(/^\[|\]$/g, '');
  if (!policy.refusePrivateAddresses || net.isIP(address) === 0) return undefined;
  return isPrivateAddress(address) ? refusal(address) : undefined;
}

/**
 * A `lookup` for http(s).request that refuses names resolving to a private address while the
 * policy says so; undefined (the default lookup) otherwise.
 */
export function providerLookup(): net.LookupFunction | undefined {
  if (!policy.refusePrivateAddresses) return undefined;
  return ((hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const bad = addresses.find((entry) => isPrivateAddress(entry.address));
      if (bad) {
        callback(new Error(`${hostname} resolves to ${refusal(bad.address)}`), '', 0);
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
    });
  }) as net.LookupFunction;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

function refusal(address: string): string {
  return `a private address (${address}), refused by BURROW_REFUSE_PRIVATE_IDP_ADDRESSES`;
}
