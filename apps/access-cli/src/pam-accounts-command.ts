import { formatAccountList } from './output-format.ts';
import type { PamAccountRow } from './pam-types.ts';
import type { PlatformClient } from './platform-client.ts';

/**
 * `burrow pam accounts list`: the PAM accounts a person may open with `burrow pam access <path>`
 * (`GET /api/v1/pam/accounts`: every account of the caller's organization, without credentials;
 * the control plane has no per-account grants yet, so that is what a member may access).
 */
export async function listPamAccounts(platform: PlatformClient): Promise<string> {
  const { accounts } = await platform.request<{ accounts: PamAccountRow[] }>(
    'GET',
    '/v1/pam/accounts',
  );
  return formatAccountList(accounts ?? []);
}
