import type { Migration } from './index.ts';

/**
 * What the console shows about each gateway besides its heartbeat (issue 19):
 *
 * - gateways.version: the `x-burrow-agent-version` header of its last registration or heartbeat
 *   (`burrow-gateway/0.1.0`); NULL for a gateway that never sent one (the reference's).
 * - gateways.certificates_expire_at: when the certificates of its last registration stop working
 *   (the earlier of the inner-TLS server certificate and the SSH user certificate); the gateway
 *   must register again before then.
 */
export const gatewayVersionAndExpiry: Migration = {
  version: 12,
  name: 'gateway-version-and-expiry',
  sql: `
ALTER TABLE gateways ADD COLUMN version TEXT;
ALTER TABLE gateways ADD COLUMN certificates_expire_at INTEGER;
`,
};
