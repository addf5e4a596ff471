import { describe, expect, test } from '@jest/globals';
import { allRoutes } from '@burrow/platform-api';
import { startTestControlPlane } from './support/test-control-plane.ts';

/**
 * The control plane serves exactly the routes of @burrow/platform-api: none missing, none extra
 * (apart from the OpenAPI UI under /docs, the web console's static files under /console, and the
 * HEAD fastify adds to every GET).
 */

/** The web console's pages and assets: files, not part of the API contract. */
const CONSOLE_STATIC_ROUTES = new Set(['GET /console', 'GET /console*']);

/** "METHOD /path" for every route in fastify's printRoutes() tree. */
function servedRoutes(tree: string): string[] {
  const served: string[] = [];
  const parents: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = (match[1] as string).length / 4;
    parents.length = depth;
    const path = `${parents.join('')}${match[2] as string}`;
    parents.push(match[2] as string);
    for (const method of (match[3] as string).split(', ')) served.push(`${method} ${path}`);
  }
  return served;
}

describe('platform-api routes', () => {
  test('every route of the package is served, and nothing else', async () => {
    const cp = await startTestControlPlane();
    try {
      const served = servedRoutes(cp.app.printRoutes({ commonPrefix: false }))
        .filter((route) => !route.startsWith('HEAD ') && !/^[A-Z]+ \/docs/.test(route))
        .filter((route) => !CONSOLE_STATIC_ROUTES.has(route))
        .sort();
      const declared = allRoutes.map((route) => `${route.method} ${route.path}`).sort();
      expect(served).toEqual(declared);
      expect(new Set(declared).size).toBe(declared.length);
      for (const route of allRoutes) {
        expect(cp.app.hasRoute({ method: route.method, url: route.path })).toBe(true);
      }
    } finally {
      await cp.close();
    }
  });

  test('the OpenAPI document lists every route with its schemas', async () => {
    const cp = await startTestControlPlane();
    try {
      const spec = (await cp.app.inject({ method: 'GET', url: '/docs/json' })).json<{
        paths: Record<string, Record<string, { summary?: string; security?: unknown }>>;
      }>();
      for (const route of allRoutes) {
        const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        const operation = spec.paths[path]?.[route.method.toLowerCase()];
        expect({ route: `${route.method} ${route.path}`, summary: operation?.summary }).toEqual({
          route: `${route.method} ${route.path}`,
          summary: route.summary,
        });
        expect(operation?.security !== undefined).toBe(route.auth !== 'none');
      }
    } finally {
      await cp.close();
    }
  });
});
