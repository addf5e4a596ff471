import type { Static, TSchema } from 'typebox';

/**
 * One HTTP route of the control plane, as data: what the server registers with fastify and what
 * {@link PlatformClient} calls. The schemas are TypeBox (JSON Schema), so the same object
 * validates requests on the server, types both sides, and becomes the OpenAPI document.
 *
 * @example
 *   export const heartbeatOrgRelay = defineRoute({
 *     method: 'POST',
 *     path: '/api/v1/relays/heartbeat-org-relay',
 *     auth: 'identity',
 *     tags: ['relays'],
 *     summary: 'Org relay heartbeat',
 *     body: Type.Object({ name: Slug }),
 *     response: { 200: HeartbeatResponse, ...errorResponses },
 *   });
 */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route:
 * - `none`: anyone (login, bootstrap, health)
 * - `identity`: `Authorization: Bearer <access token>` (a machine identity's, or a person's from
 *   `POST /api/v1/auth/user/login`), or the console's session cookie (with `X-CSRF-Token` on
 *   anything but GET)
 * - `relay-auth-secret`: `Authorization: Bearer <RELAY_AUTH_SECRET>` (instance relays)
 * - `resource-token`: `Authorization: Bearer <resource access token>`, the JWT an enrolled
 *   gateway or relay got for its enrollment token; it acts as that gateway or relay only (it is
 *   also accepted wherever `identity` is, with the rights of the gateway or relay role)
 */
export type RouteAuth = 'none' | 'identity' | 'relay-auth-secret' | 'resource-token';

/** The OpenAPI security scheme of each authenticated kind; the server lists these once. */
export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: 'machine identity access token',
  },
  consoleSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'burrow_session',
    description: 'console session cookie (changes also need the X-CSRF-Token header)',
  },
  relayAuthSecret: {
    type: 'http',
    scheme: 'bearer',
    description: 'RELAY_AUTH_SECRET (instance relays)',
  },
  resourceAccessToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'an enrolled gateway’s or relay’s access token (GATEWAY_/RELAY_ACCESS_TOKEN)',
  },
} as const;

const SECURITY: Record<RouteAuth, Array<Record<string, string[]>> | undefined> = {
  none: undefined,
  identity: [{ bearerAuth: [] }, { consoleSession: [] }],
  'relay-auth-secret': [{ relayAuthSecret: [] }],
  'resource-token': [{ resourceAccessToken: [] }],
};

export interface RouteSpec {
  method: HttpMethod;
  /** The full path the server serves, fastify style: `/api/v2/gateways/:id`. */
  path: string;
  auth: RouteAuth;
  /** OpenAPI grouping and one-line description. */
  tags: string[];
  summary: string;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  /** Answer schemas by status; the 2xx one is what the client checks every answer against. */
  response: Record<number, TSchema>;
  /** `bytes`: the answer is raw bytes (application/octet-stream), not JSON. Default `json`. */
  responseType?: 'json' | 'bytes';
}

/** A route spec, narrowed to exactly what was written, so its schemas keep their types. */
export type Route<S extends RouteSpec = RouteSpec> = Readonly<S>;

export function defineRoute<const S extends RouteSpec>(spec: S): Route<S> {
  if (!spec.path.startsWith('/')) throw new Error(`route path must start with /: ${spec.path}`);
  return Object.freeze(spec);
}

/**
 * The fastify `schema` of a route (request validation, response serialization, OpenAPI).
 *
 * @example
 *   app.route({ method: route.method, url: route.path, schema: routeSchema(route), handler });
 */
export function routeSchema<const S extends RouteSpec>(route: Route<S>) {
  const security = SECURITY[route.auth];
  return {
    tags: route.tags,
    summary: route.summary,
    ...(security ? { security } : {}),
    ...(route.params ? { params: route.params } : {}),
    ...(route.querystring ? { querystring: route.querystring } : {}),
    ...(route.body ? { body: route.body } : {}),
    response: route.response,
  } as {
    tags: string[];
    summary: string;
    security?: Array<Record<string, string[]>>;
    params: SchemaOrUndefined<S, 'params'>;
    querystring: SchemaOrUndefined<S, 'querystring'>;
    body: SchemaOrUndefined<S, 'body'>;
    response: S['response'];
  };
}

/** The 2xx answer schema of a route (its first 2xx status), if it answers JSON. */
export function successSchema(route: RouteSpec): TSchema | undefined {
  for (const [status, schema] of Object.entries(route.response)) {
    if (Number(status) >= 200 && Number(status) < 300) return schema;
  }
  return undefined;
}

type SchemaOrUndefined<S, K extends string> = S extends { [P in K]: infer T extends TSchema }
  ? T
  : undefined;

type SchemaAt<S, K extends string> = S extends { [P in K]: infer T extends TSchema } ? T : never;

/** The path parameters a route takes (`never` when it has none). */
export type RouteParams<R extends RouteSpec> = Static<SchemaAt<R, 'params'>>;
/** The query string a route takes (`never` when it has none). */
export type RouteQuery<R extends RouteSpec> = Static<SchemaAt<R, 'querystring'>>;
/** The JSON body a route takes (`never` when it has none). */
export type RouteBody<R extends RouteSpec> = Static<SchemaAt<R, 'body'>>;
/** What a successful call of the route returns: its 200 JSON, or a Buffer for byte answers. */
export type RouteResponse<R extends RouteSpec> = R extends { responseType: 'bytes' }
  ? Buffer
  : R['response'] extends { 200: infer T extends TSchema }
    ? Static<T>
    : undefined;

type ParamsInput<R> = R extends { params: infer P extends TSchema }
  ? { params: Static<P> }
  : { params?: undefined };
type QueryInput<R> = R extends { querystring: infer Q extends TSchema }
  ? object extends Static<Q>
    ? { query?: Static<Q> }
    : { query: Static<Q> }
  : { query?: undefined };
type BodyInput<R> = R extends { body: infer B extends TSchema }
  ? object extends Static<B>
    ? { body?: Static<B> }
    : { body: Static<B> }
  : { body?: undefined };

/**
 * What one call of route R takes (path parameters, query, body), typed from its schemas; a query
 * or body whose fields are all optional may be left out.
 */
export type RouteInput<R extends RouteSpec> = ParamsInput<R> & QueryInput<R> & BodyInput<R>;

/**
 * The input argument of a call of R (with `Extra`, e.g. a client's options): optional only when
 * the route needs none.
 */
export type RouteArgs<R extends RouteSpec, Extra extends object = object> =
  Record<string, never> extends RouteInput<R>
    ? [input?: RouteInput<R> & Extra]
    : [input: RouteInput<R> & Extra];
