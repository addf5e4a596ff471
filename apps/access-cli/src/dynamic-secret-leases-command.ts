import { routes } from '@burrow/platform-api';
import { CliError, EXIT_CODES } from './cli-error.ts';
import type { ControlPlane } from './control-plane.ts';
import {
  formatLeaseCreated,
  formatLeaseEnv,
  formatLeaseList,
  formatLeaseRenewed,
  formatLeaseRevoked,
  type LeaseFormat,
} from './dynamic-secret-lease-format.ts';

/**
 * How long the CLI waits for a lease call: the control plane dials the gateway (up to 15 s), logs
 * in to the database (up to 20 s) and runs a statement (up to 30 s) before it answers.
 */
export const LEASE_CALL_TIMEOUT_MS = 90_000;

/**
 * `burrow dynamic-secrets lease create|list|renew|revoke` (the reference CLI's verbs; `delete`
 * is accepted for `revoke`): POST/GET/DELETE /api/v1/dynamic-secrets/leases… through the
 * control plane, which creates and drops the database role through the gateway.
 */
export async function createLease(
  platform: ControlPlane,
  name: string,
  options: { ttl?: string | undefined; format: LeaseFormat },
): Promise<string> {
  const created = await platform.call(routes.createDynamicSecretLease, {
    body: { dynamicSecretName: name, ...(options.ttl ? { ttl: options.ttl } : {}) },
    timeoutMs: LEASE_CALL_TIMEOUT_MS,
  });
  if (options.format === 'json') return JSON.stringify(created, null, 2);
  if (options.format === 'env') return formatLeaseEnv(created);
  return formatLeaseCreated(created);
}

export async function listLeases(
  platform: ControlPlane,
  name: string,
  format: 'text' | 'json',
): Promise<string> {
  const { leases } = await platform.call(routes.listDynamicSecretLeases, {
    params: { name },
    query: {},
  });
  return format === 'json' ? JSON.stringify(leases, null, 2) : formatLeaseList(name, leases);
}

export async function renewLease(
  platform: ControlPlane,
  leaseId: string,
  ttl: string | undefined,
): Promise<string> {
  const { lease } = await platform.call(routes.renewDynamicSecretLease, {
    params: { leaseId: checkLeaseId(leaseId) },
    body: ttl ? { ttl } : {},
    timeoutMs: LEASE_CALL_TIMEOUT_MS,
  });
  return formatLeaseRenewed(lease);
}

/** Revokes; `pending` tells the caller the role is not dropped yet (printed, exit code 0: the control plane retries). */
export async function revokeLease(
  platform: ControlPlane,
  leaseId: string,
): Promise<{ text: string; pending: boolean }> {
  const { lease } = await platform.call(routes.revokeDynamicSecretLease, {
    params: { leaseId: checkLeaseId(leaseId) },
    timeoutMs: LEASE_CALL_TIMEOUT_MS,
  });
  return { text: formatLeaseRevoked(lease), pending: lease.status !== 'revoked' };
}

/** A lease ID is a UUID (what `lease create` and `lease list` print). */
function checkLeaseId(leaseId: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(leaseId)) {
    throw new CliError(
      `${JSON.stringify(leaseId)} is not a lease ID (a UUID, as lease create and lease list print it)`,
      EXIT_CODES.usage,
    );
  }
  return leaseId;
}
