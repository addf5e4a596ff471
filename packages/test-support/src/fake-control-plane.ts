import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { successSchema, type RouteResponse, type RouteSpec } from '@burrow/platform-api';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * A stand-in control plane for tests, built from @burrow/platform-api's route definitions, on
 * 127.0.0.1 at a port chosen at run time. Contract:
 *
 *   routes    only the routes it is given, matched by method and path template (`:id` segments);
 *             any other request answers 404 `{message: "no route …"}`
 *   tokens    with `{tokens}`, a route that is not `auth: 'none'` answers 401
 *             `{message: "access token is not valid"}` unless `Authorization: Bearer <one of them>`
 *             (the handler does not run); without, any caller is let in
 *   requests  every request is recorded (method, path with query, params, query, authorization,
 *             body) before its handler runs; a body that is not JSON answers 400
 *   answers   a handler returns the route's 2xx answer, or `fakeAnswer(status, body)` for any
 *             other (e.g. 401, 404 `{message}`); a 2xx answer is checked against the route's
 *             response schema first — one that does not match is the test's bug: 500 with the
 *             mismatch, and recorded in `mistakes`. A route with `responseType: 'bytes'` answers
 *             the handler's Buffer as application/octet-stream. `fakeAnswer` is sent unchecked:
 *             that is how a test serves a malformed answer (a Buffer body goes out as it is, so
 *             it can be bytes that are not JSON at all)
 *
 * @example
 *   const platform = await startFakeControlPlane([
 *     fakeRoute(routes.listGateways, () => []),
 *     fakeRoute(routes.endPamSession, ({ params }) => ({ session: { id: params.sessionId, status: 'ended', endedAt } })),
 *   ]);
 *   // platform.apiUrl = http://127.0.0.1:<port>/api
 *   await platform.close();
 */
export interface FakeRequest {
  method: string;
  /** The path as sent, query included: `/api/v2/gateways/abc`. */
  path: string;
  params: Record<string, string>;
  /** The query string's parameters (the last one of a repeated name). */
  query: Record<string, string>;
  authorization: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** An answer sent unchecked: its status and JSON body (a Buffer: those bytes, as they are). */
export interface FakeAnswer {
  readonly [FAKE_ANSWER]: true;
  status: number;
  body: unknown;
}

const FAKE_ANSWER = Symbol('fake answer');

export function fakeAnswer(status: number, body: unknown): FakeAnswer {
  return { [FAKE_ANSWER]: true, status, body };
}

export type FakeHandler<R extends RouteSpec> = (
  request: FakeRequest,
) => RouteResponse<R> | FakeAnswer | Promise<RouteResponse<R> | FakeAnswer>;

/** One route the fake serves, with its handler. */
export interface FakeRoute {
  route: RouteSpec;
  handler: FakeHandler<RouteSpec>;
}

/** Pairs a route with its handler, typed from the route's schemas. */
export function fakeRoute<R extends RouteSpec>(route: R, handler: FakeHandler<R>): FakeRoute {
  return { route, handler: handler as FakeHandler<RouteSpec> };
}

export interface FakeControlPlane {
  /** The API base, `http://127.0.0.1:<port>/api`. */
  readonly apiUrl: string;
  readonly requests: FakeRequest[];
  /** 2xx answers of the test's handlers that did not match their route's schema. */
  readonly mistakes: string[];
  close(): Promise<void>;
}

export interface FakeControlPlaneOptions {
  /** The bearer tokens let in on routes that are not `auth: 'none'`; absent: anyone. */
  tokens?: readonly string[];
}

export async function startFakeControlPlane(
  served: FakeRoute[],
  options: FakeControlPlaneOptions = {},
): Promise<FakeControlPlane> {
  const allowed = options.tokens?.map((token) => `Bearer ${token}`);
  const requests: FakeRequest[] = [];
  const mistakes: string[] = [];
  const matchers = served.map(({ route, handler }) => ({
    route,
    handler,
    pattern: pathPattern(route.path),
    check: checkerOf(successSchema(route)),
  }));

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(body === undefined ? '' : Buffer.isBuffer(body) ? body : JSON.stringify(body));
      };
      const path = request.url ?? '/';
      const url = new URL(path, 'http://fake.invalid');
      const pathname = url.pathname;
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : (JSON.parse(text) as unknown);
      } catch {
        reply(400, { message: 'body is not JSON' });
        return;
      }
      let found: (typeof matchers)[number] | undefined;
      let params: Record<string, string> = {};
      for (const matcher of matchers) {
        if (matcher.route.method !== request.method) continue;
        const match = matcher.pattern.exec(pathname);
        if (!match) continue;
        found = matcher;
        params = Object.fromEntries(
          Object.entries(match.groups ?? {}).map(([name, value]) => [
            name,
            decodeURIComponent(value),
          ]),
        );
        break;
      }
      const recorded: FakeRequest = {
        method: request.method ?? '',
        path,
        params,
        query: Object.fromEntries(url.searchParams),
        authorization: request.headers.authorization,
        headers: request.headers,
        body,
      };
      requests.push(recorded);
      if (!found) {
        reply(404, { message: `no route ${request.method} ${pathname}` });
        return;
      }
      const { route, check } = found;
      if (
        allowed !== undefined &&
        route.auth !== 'none' &&
        !allowed.includes(request.headers.authorization ?? '')
      ) {
        reply(401, { message: 'access token is not valid' });
        return;
      }
      Promise.resolve()
        .then(() => found.handler(recorded))
        .then(
          (answer) => {
            if (isFakeAnswer(answer)) {
              reply(answer.status, answer.body);
              return;
            }
            if (route.responseType === 'bytes') {
              response.writeHead(200, { 'content-type': 'application/octet-stream' });
              response.end(answer as unknown as Buffer);
              return;
            }
            const mismatch = check(answer);
            if (mismatch !== undefined) {
              const mistake = `${route.method} ${route.path}: the fake's answer ${mismatch}`;
              mistakes.push(mistake);
              reply(500, { message: mistake });
              return;
            }
            reply(200, answer);
          },
          (error: unknown) =>
            reply(500, { message: error instanceof Error ? error.message : String(error) }),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    requests,
    mistakes,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function isFakeAnswer(value: unknown): value is FakeAnswer {
  return typeof value === 'object' && value !== null && FAKE_ANSWER in value;
}

/** `/api/v2/gateways/:id` → /^\/api\/v2\/gateways\/(?<id>[^/]+)$/ */
function pathPattern(template: string): RegExp {
  const source = template
    .split('/')
    .map((segment) =>
      segment.startsWith(':')
        ? `(?<${segment.slice(1)}>[^/]+)`
        : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}

/** Undefined when `value` matches `schema`, else where it does not. */
function checkerOf(schema: TSchema | undefined): (value: unknown) => string | undefined {
  if (schema === undefined) return () => undefined;
  const validator = Compile(schema);
  return (value) => {
    if (validator.Check(value)) return undefined;
    const first = validator.Errors(value)[0];
    return `does not match the route's schema: ${first ? `${first.instancePath || '/'} ${first.message}` : 'mismatch'}`;
  };
}
