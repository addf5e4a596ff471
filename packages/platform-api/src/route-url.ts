/**
 * How a call's path and query string are written from a route's path template, shared by the
 * PlatformClient and the web console (no imports: a browser bundles this file alone).
 *
 * Contract: each `:name` segment of the template is replaced by `params[name]`, URL-encoded; a
 * missing or empty parameter is a TypeError naming it (a request never goes to `/…/undefined`).
 * The query string holds the defined values only, in their order.
 */

/** `/api/v2/gateways/:id` with {id} → `/api/v2/gateways/<id, URL-encoded>`. */
export function fillPath(template: string, params: Record<string, unknown> | undefined): string {
  return template.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null || value === '') {
      throw new TypeError(`${template}: path parameter ${name} is missing`);
    }
    return encodeURIComponent(String(value));
  });
}

/** `{limit: 50, eventType: undefined}` → `?limit=50`; nothing defined → ``. */
export function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
