import { routeSchema, type Route, type RouteSpec } from '@burrow/platform-api';

/**
 * The fastify options a route of @burrow/platform-api declares: method, URL and schema (request
 * validation, response serialization, OpenAPI). A plugin adds only the handler.
 *
 * @example
 *   app.route({ ...declaredRoute(routes.listRelays), handler: async (request) => … });
 */
export function declaredRoute<const S extends RouteSpec>(route: Route<S>) {
  return { method: route.method, url: route.path, schema: routeSchema(route) };
}
