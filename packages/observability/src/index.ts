/**
 * @burrow/observability — what every Burrow process shares for operators: the one logging setup
 * (pino, with the one list of secret fields it censors) and its levels, the `/healthz`, `/readyz`
 * and `/metrics` HTTP server on its own listen address, its address parser, a certificate expiry
 * gauge, the package's version, prom-client's metric types (so apps need no direct prom-client dependency), and the one
 * way a bad setting is reported (ConfigError, naming the flag and its environment variable).
 */
export * from './certificate-expiry.ts';
export * from './closed-output.ts';
export * from './config-error.ts';
export * from './listen-address.ts';
export * from './listen-setting.ts';
export * from './log-level.ts';
export * from './logger.ts';
export * from './observability-server.ts';
export * from './package-version.ts';
export * from './secret-redaction.ts';
export * from './setup-stage-buckets.ts';
export { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
