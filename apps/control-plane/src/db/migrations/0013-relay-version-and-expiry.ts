import type { Migration } from './index.ts';

/**
 * What the console shows about each relay besides its heartbeat (issue 19), as 0012 did for
 * gateways:
 *
 * - relays.version: the `x-burrow-agent-version` header of its last registration or heartbeat
 *   (`burrow-relay/0.1.0`); NULL for a relay that never sent one (the reference's).
 * - relays.certificates_expire_at: when the certificates of its last registration stop working
 *   (the earlier of the TLS server certificate and the SSH host certificate); the relay must
 *   register again before then.
 */
export const relayVersionAndExpiry: Migration = {
  version: 13,
  name: 'relay-version-and-expiry',
  sql: `
ALTER TABLE relays ADD COLUMN version TEXT;
ALTER TABLE relays ADD COLUMN certificates_expire_at INTEGER;
`,
};
