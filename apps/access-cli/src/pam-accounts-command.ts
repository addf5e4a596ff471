import { routes } from '@burrow/platform-api';
import type { ControlPlane } from './control-plane.ts';
import { formatAccountList } from './output-format.ts';

/**
 * `burrow pam accounts list`: the PAM accounts a person may open with `burrow pam access <path>`
 * (`GET /api/v1/pam/accounts`, without credentials: for a member the accounts its grants cover,
 * for an admin or auditor every account of the organization).
 */
export async function listPamAccounts(platform: ControlPlane): Promise<string> {
  const { accounts } = await platform.call(routes.listPamAccounts);
  return formatAccountList(accounts);
}
