/**
 * The HTTP server for operators: health and Prometheus metrics, on its own listen address so it
 * never shares a port with tunnel traffic (and can stay on loopback or a private interface).
 *
 *   GET /healthz  200 "ok"                   the process is alive and its event loop answers
 *   GET /readyz   200 "ready"                the process is serving (each app decides what that
 *                 503 "not ready: <reason>"  means: relay listening and registered, gateway
 *                                            connected to at least one relay, ...)
 *   GET /metrics  200 text/plain; version=0.0.4   prom-client exposition of `registry`
 *   anything else 404; methods other than GET/HEAD 405
 *
 * Bounded like everything else: a few connections, short header and request deadlines, no body.
 *
 * @example
 *   const server = await startObservabilityServer({
 *     listen: { host: '127.0.0.1', port: 9464 },
 *     registry,
 *     readiness: () => (connected ? { ready: true } : { ready: false, reason: 'no relay' }),
 *   });
 *   await server.close();
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ListenAddress } from './listen-address.ts';

/** Scrapers and probes are few; more than this many open connections are refused. */
export const OBSERVABILITY_MAX_CONNECTIONS = 64;
/** A probe that has not sent its request headers by then is cut off (slowloris on this port). */
export const OBSERVABILITY_HEADERS_TIMEOUT_MS = 5_000;
/** Whole request deadline (a scrape of our registry takes milliseconds). */
export const OBSERVABILITY_REQUEST_TIMEOUT_MS = 10_000;

export interface Readiness {
  readonly ready: boolean;
  /** Why not ready; shown in the 503 body (never a secret). */
  readonly reason?: string;
}

export interface ObservabilityServerOptions {
  listen: ListenAddress;
  registry: Registry;
  readiness: () => Readiness;
}

export interface ObservabilityServer {
  /** The bound address (the real port when `listen.port` was 0). */
  readonly address: ListenAddress;
  close(): Promise<void>;
}

export async function startObservabilityServer(
  options: ObservabilityServerOptions,
): Promise<ObservabilityServer> {
  const server = http.createServer(
    {
      headersTimeout: OBSERVABILITY_HEADERS_TIMEOUT_MS,
      requestTimeout: OBSERVABILITY_REQUEST_TIMEOUT_MS,
    },
    (request, response) => void answer(request, response, options),
  );
  server.maxConnections = OBSERVABILITY_MAX_CONNECTIONS;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  options: ObservabilityServerOptions,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return send(response, 405, 'method not allowed\n');
  }
  try {
    switch (path) {
      case '/healthz':
        return send(response, 200, 'ok\n');
      case '/readyz': {
        const readiness = options.readiness();
        return readiness.ready
          ? send(response, 200, 'ready\n')
          : send(response, 503, `not ready: ${readiness.reason ?? 'unknown'}\n`);
      }
      case '/metrics':
        return send(response, 200, await options.registry.metrics(), options.registry.contentType);
      default:
        return send(response, 404, 'not found\n');
    }
  } catch (error) {
    return send(response, 500, `${error instanceof Error ? error.message : String(error)}\n`);
  }
}

function send(
  response: http.ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
