/**
 * One TLS secure context per set of caller credentials, reused across dials.
 *
 * Why: `tls.connect({ ca, cert, key })` builds a fresh SecureContext on every call — it parses the
 * private key, the certificate and the CA chain again (about 0.3–1 ms of CPU; the largest cost of
 * the access CLI's stream set-up in a profile of `pnpm bench --paths=pam`). A caller dials many
 * streams with the same credentials (the access CLI for one session, the control plane per
 * gateway), so the context is built once and passed as `secureContext`. Bounded; least recently
 * used contexts are dropped first. Nothing about trust is cached: every handshake still verifies
 * the server's chain and the gateway's identity.
 */
import { createHash } from 'node:crypto';
import tls from 'node:tls';

import type { TlsCredentials } from './caller-dialer.ts';

/** How many credential sets are kept (the control plane dials one per gateway it probes). */
export const SECURE_CONTEXT_CACHE_SIZE = 256;

const contexts = new Map<string, tls.SecureContext>();

/** Callers' TLS floor, a context option (ignored by tls.connect once a context is given). */
const MIN_TLS_VERSION = 'TLSv1.2';

/**
 * The secure context for these credentials: built on first use, then shared.
 *
 * @example
 *   tls.connect({ host, port, secureContext: secureContextFor(options.relay) });
 */
export function secureContextFor(credentials: TlsCredentials): tls.SecureContext {
  // A digest, so the map does not keep private keys as its keys.
  const key = createHash('sha256')
    .update(credentials.certificate)
    .update('\0')
    .update(credentials.privateKey)
    .update('\0')
    .update(credentials.serverCertificateChain)
    .digest('base64');
  const known = contexts.get(key);
  if (known) {
    contexts.delete(key); // re-inserted below: Map order is least recently used first
    contexts.set(key, known);
    return known;
  }
  const context = tls.createSecureContext({
    ca: credentials.serverCertificateChain,
    cert: credentials.certificate,
    key: credentials.privateKey,
    minVersion: MIN_TLS_VERSION,
  });
  contexts.set(key, context);
  if (contexts.size > SECURE_CONTEXT_CACHE_SIZE) {
    const oldest = contexts.keys().next().value;
    if (oldest !== undefined) contexts.delete(oldest);
  }
  return context;
}
