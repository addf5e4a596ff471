/**
 * The control plane's Prometheus metrics, served with /healthz and /readyz on their own listen
 * address (`--metrics-listen-address` / BURROW_CONTROL_PLANE_METRICS_LISTEN_ADDRESS, off by
 * default) — never on the API port, which faces gateways, relays and users.
 *
 *   burrow_control_plane_http_requests_total{method,route,status}   counter
 *   burrow_control_plane_http_request_duration_seconds{route}       histogram
 *   burrow_control_plane_gateways{state}                            gauge  healthy | unhealthy
 *   burrow_control_plane_gateway_relay_links                        gauge  (gateway, relay)
 *                                                                          registrations < 1 day
 *   burrow_control_plane_relays                                     gauge  registered relays
 *   burrow_control_plane_* process metrics                          prom-client defaults
 *
 * /readyz here is the API's own: the database answers.
 *
 * @example
 *   const metrics = instrumentControlPlane(app, context);
 *   await startObservabilityServer({ listen, registry: metrics.registry, readiness: metrics.readiness });
 */
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type Readiness,
} from '@burrow/observability';
import { HEARTBEAT_BUFFER_SECONDS } from '@burrow/tunnel-protocol';
import type { ControlPlaneApp } from './build-app.ts';
import type { Db } from '../db/database.ts';

export interface ControlPlaneMetrics {
  readonly registry: Registry;
  readiness(): Readiness;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Adds the request hooks to `app` (before it listens) and returns the registry. */
export function instrumentControlPlane(
  app: ControlPlaneApp,
  context: { db: Db },
): ControlPlaneMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'burrow_control_plane_' });
  const requests = new Counter({
    name: 'burrow_control_plane_http_requests_total',
    help: 'API requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const durations = new Histogram({
    name: 'burrow_control_plane_http_request_duration_seconds',
    help: 'API request duration by route pattern.',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const count = (sql: string, ...params: number[]): number =>
    (context.db.prepare(sql).get(...params) as { n: number }).n;
  new Gauge({
    name: 'burrow_control_plane_gateways',
    help: 'Live gateways by health (last probe within heartbeatTTL + 30 s).',
    labelNames: ['state'],
    registers,
    collect() {
      const now = Date.now();
      const live = count('SELECT COUNT(*) AS n FROM gateways WHERE deleted_at IS NULL');
      const healthy = count(
        `SELECT COUNT(*) AS n FROM gateways WHERE deleted_at IS NULL AND heartbeat IS NOT NULL
           AND heartbeat + (heartbeat_ttl + ?) * 1000 >= ?`,
        HEARTBEAT_BUFFER_SECONDS,
        now,
      );
      this.set({ state: 'healthy' }, healthy);
      this.set({ state: 'unhealthy' }, live - healthy);
    },
  });
  new Gauge({
    name: 'burrow_control_plane_gateway_relay_links',
    help: 'Gateway-relay registrations younger than a day (a gateway on two relays counts twice).',
    registers,
    collect() {
      this.set(
        count(
          'SELECT COUNT(*) AS n FROM gateway_relays WHERE registered_at >= ?',
          Date.now() - DAY_MS,
        ),
      );
    },
  });
  new Gauge({
    name: 'burrow_control_plane_relays',
    help: 'Registered relays.',
    registers,
    collect() {
      this.set(count('SELECT COUNT(*) AS n FROM relays'));
    },
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    durations.observe({ route }, reply.elapsedTime / 1000);
  });
  return {
    registry,
    readiness() {
      try {
        context.db.prepare('SELECT 1').get();
        return { ready: true };
      } catch (error) {
        return { ready: false, reason: `database: ${(error as Error).message}` };
      }
    },
  };
}
