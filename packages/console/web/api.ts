import {
  fillPath,
  queryString,
  type HttpMethod,
  type RouteArgs,
  type RouteResponse,
  type RouteSpec,
  type routes,
} from '@burrow/platform-api/browser';

/**
 * The console's one way to call the control plane: same origin, the HttpOnly session cookie sent
 * by the browser, `X-CSRF-Token` on every change (the token comes from the sign-in / session
 * answer and lives only in memory). Errors become ApiError with the control plane's message, so
 * pages show words, never a stack trace.
 *
 * Paths, inputs and answers are @burrow/platform-api's routes, as types only (the bundle carries
 * no schema): `api('POST', '/api/v2/gateways/:id/test-connection', { params, body })` compiles
 * only when that method and path are a route of the control plane and the input and use of the
 * answer match its schemas.
 */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

type AnyRoute = (typeof routes)[keyof typeof routes];
/** The control plane's routes by method and path, as its route table writes them. */
type Served = {
  [M in HttpMethod]: { [R in AnyRoute as R['method'] extends M ? R['path'] : never]: R };
};
/** The paths the control plane serves for `method` (`/api/v2/gateways/:id`). */
export type PathOf<M extends HttpMethod> = keyof Served[M] & string;
/** The route served at `method path`. */
export type RouteAt<M extends HttpMethod, P extends PathOf<M>> = Extract<Served[M][P], RouteSpec>;
/** What `GET path` answers. */
export type Answer<P extends PathOf<'GET'>> = RouteResponse<RouteAt<'GET', P>>;

export type ConsoleSession = RouteResponse<typeof routes.consoleSession>;

let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function api<M extends HttpMethod, P extends PathOf<M>>(
  method: M,
  path: P,
  ...args: RouteArgs<RouteAt<M, P>>
): Promise<RouteResponse<RouteAt<M, P>>> {
  const input: object | undefined = args[0];
  const { body } = (input ?? {}) as { body?: unknown };
  return (await request(method, routeUrl(path, input), body)) as RouteResponse<RouteAt<M, P>>;
}

/** `path` with its parameters filled in and the query string appended. */
export function routeUrl(path: string, input: object | undefined): string {
  const { params, query } = (input ?? {}) as {
    params?: Record<string, unknown>;
    query?: Record<string, unknown>;
  };
  return `${fillPath(path, params)}${queryString(query)}`;
}

/** One request to `url` (a filled-in route path); the answer's JSON, or an ApiError. */
export async function request(method: HttpMethod, url: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'The control plane cannot be reached; is it running?');
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(
      response.status,
      `The control plane answered ${response.status} without JSON`,
    );
  }
  if (!response.ok) {
    const message = (json as { message?: unknown }).message;
    throw new ApiError(
      response.status,
      typeof message === 'string' ? message : `The control plane answered ${response.status}`,
    );
  }
  return json;
}
