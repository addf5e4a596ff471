/**
 * @burrow/observability — what every Burrow process shares for operators: the one logging setup
 * (pino, with the one list of secret fields it censors), the `/healthz`, `/readyz` and `/metrics`
 * HTTP server on its own listen address, its address parser, a certificate expiry gauge, and
 * prom-client's metric types (so apps need no direct prom-client dependency).
 */
export * from './certificate-expiry.ts';
export * from './closed-output.ts';
export * from './listen-address.ts';
export * from './logger.ts';
export * from './observability-server.ts';
export * from './secret-redaction.ts';
export { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
