/**
 * A small cache of parsed certificates, keyed by their exact DER bytes.
 *
 * Why: the relay and the gateway parse the peer's certificate on every stream (to route it and to
 * read its Burrow extensions), and a caller presents the same certificate for many streams. A
 * strict parse through `@peculiar/x509` costs about 1 ms of CPU, the largest single cost of
 * opening a stream (profiled with `BENCH_CPU_PROF_DIR`, bench/README.md). Parsing is a pure
 * function of the bytes, so the same bytes may share one result. Only successful parses are
 * kept; anything about *whether* to trust a certificate (chain, expiry, revocation) is decided by
 * the caller on every stream, never cached here. Entries are evicted oldest-used first.
 */
import type * as x509 from './peculiar-x509.ts';

/** How many distinct certificates are kept: active callers of one relay or gateway. */
export const PARSED_CERTIFICATE_CACHE_SIZE = 512;

const cache = new Map<string, x509.X509Certificate>();

function keyOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Returns the cached parse of `bytes`, or parses them with `parse` and keeps the result.
 * The returned certificate is shared: treat it as read-only.
 *
 * @example
 *   const certificate = cachedParse(der, parseStrictly);
 */
export function cachedParse(
  bytes: Uint8Array,
  parse: (bytes: Uint8Array) => x509.X509Certificate,
): x509.X509Certificate {
  const key = keyOf(bytes);
  const hit = cache.get(key);
  if (hit) {
    // Re-insert so that Map order is least recently used first.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  // A copy: the caller's buffer may be reused (pooled socket buffers) after we return.
  const certificate = parse(Uint8Array.from(bytes));
  cache.set(key, certificate);
  if (cache.size > PARSED_CERTIFICATE_CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return certificate;
}

/** Number of certificates held (for tests). */
export function parsedCertificateCacheSize(): number {
  return cache.size;
}
