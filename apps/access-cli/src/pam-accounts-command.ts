import { formatAccountList } from './output-format.ts';
import type { PamAccountRow } from './pam-types.ts';
import type { PlatformClient } from './platform-client.ts';

/**
 * `burrow pam accounts list`: the PAM accounts a person may open with `burrow pam access <path>`
 * (`GET /api/v1/pam/accounts`, without credentials: for a member the accounts its grants cover,
 * for an admin or auditor every account of the organization).
 */
export async function listPamAccounts(platform: PlatformClient): Promise<string> {
  const { accounts } = await platform.request<{ accounts: PamAccountRow[] }>(
    'GET',
    '/v1/pam/accounts',
  );
  return formatAccountList(accounts ?? []);
}
