/**
 * @burrow/platform-api/browser — what a browser program (the web console) takes from the
 * contract: the routes' types, erased at build time, and the path filler, the only code it
 * bundles. No PlatformClient (undici, Node built-ins) and no TypeBox schema objects.
 *
 * @example
 *   import { fillPath, queryString, type routes, type RouteResponse } from '@burrow/platform-api/browser';
 *   type Gateways = RouteResponse<typeof routes.listGateways>;
 */
export type { routes } from './routes/index.ts';
export type {
  HttpMethod,
  RouteArgs,
  RouteBody,
  RouteInput,
  RouteParams,
  RouteQuery,
  RouteResponse,
  RouteSpec,
} from './define-route.ts';
export { fillPath, queryString } from './route-url.ts';
