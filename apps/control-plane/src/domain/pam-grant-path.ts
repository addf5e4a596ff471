/**
 * What a PAM grant covers. A grant's path is an account path (`prod/orders-db`: that account
 * only) or a folder path ending in `/` (`prod/`: every account in `prod` and its subfolders,
 * `prod/orders-db`, `prod/eu/billing`, but not `production/x` or `staging/x`). There is no
 * grant on the root folder: an admin grants folders or accounts by name.
 *
 * @example
 *   grantCovers('prod/', 'prod/orders-db');    // true
 *   grantCovers('prod/', 'staging/orders-db'); // false
 */
export function grantCovers(grantPath: string, accountPath: string): boolean {
  if (grantPath.endsWith('/')) return accountPath.startsWith(grantPath);
  return grantPath === accountPath;
}

/** An account path as callers may write it: no leading or trailing slashes. */
export function normalizeAccountPath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
