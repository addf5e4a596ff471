/**
 * Normalises the platform address the way the reference CLI does: `--domain`,
 * `INFISICAL_API_URL` and `INFISICAL_DOMAIN` may be given with or without the `/api` suffix.
 *
 * @example
 *   normalizeApiUrl('http://127.0.0.1:8080')     // 'http://127.0.0.1:8080/api'
 *   normalizeApiUrl('http://127.0.0.1:8080/api/') // 'http://127.0.0.1:8080/api'
 */
export function normalizeApiUrl(domainOrApiUrl: string): string {
  let url: URL;
  try {
    url = new URL(domainOrApiUrl);
  } catch {
    throw new Error(
      `invalid platform URL ${JSON.stringify(domainOrApiUrl)} (--domain / INFISICAL_API_URL)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(
      `platform URL must be http(s): ${JSON.stringify(domainOrApiUrl)} (--domain / INFISICAL_API_URL)`,
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/api') ? path : `${path}/api`;
  return url.toString().replace(/\/+$/, '');
}
