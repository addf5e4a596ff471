import net from 'node:net';
import tls from 'node:tls';
import pg from 'pg';
import { ALPN } from '@burrow/tunnel-protocol';
import { DomainError } from '../domain/errors.ts';
import { withLoopbackTunnel, type GatewayTunnelClient } from './gateway-tunnel.ts';

/**
 * The control plane as a PostgreSQL client of a private database (reference §9): `pg` connects
 * to a loopback port whose every connection is a tunnel — relay TLS, gateway mTLS, ALPN
 * `infisical-tcp-proxy` — to `host:port` as the gateway sees it. The gateway adds nothing: the
 * credentials are the ones given here, and with `ca` the database's TLS runs end to end (the
 * certificate is checked against `host`, not the loopback address).
 *
 * Every step has a deadline (connect, each query), so a silent gateway or database ends the call
 * with an error instead of holding it. Failures are {@link PostgresCallError}s whose message is
 * meant for a person: what the database said, or why the tunnel did not open.
 *
 * @example
 *   await withPostgresThroughGateway(tunnel, target, (client) => client.query('SELECT 1'));
 */
export interface PostgresTarget {
  gatewayId: string;
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  /** PEM; null = no TLS to the database. */
  ca: string | null;
}

/** Connecting (tunnel + PostgreSQL start-up + authentication). */
export const POSTGRES_CONNECT_TIMEOUT_MS = 20_000;
/** One statement; role management statements are quick, a lock wait is not worth more. */
export const POSTGRES_QUERY_TIMEOUT_MS = 30_000;

export class PostgresCallError extends Error {
  /** True when the database answered (the statement failed); false when it was not reached. */
  readonly databaseAnswered: boolean;
  /** True when the failure came before any statement was sent (no tunnel, no login). */
  readonly beforeStatements: boolean;

  constructor(
    message: string,
    databaseAnswered: boolean,
    cause?: unknown,
    beforeStatements = false,
  ) {
    super(message, { cause });
    this.name = 'PostgresCallError';
    this.databaseAnswered = databaseAnswered;
    this.beforeStatements = beforeStatements;
  }
}

export async function withPostgresThroughGateway<T>(
  tunnel: GatewayTunnelClient,
  target: PostgresTarget,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  let prepared;
  try {
    prepared = await tunnel.prepare(target.gatewayId, {
      targetHost: target.host,
      targetPort: target.port,
    });
  } catch (error) {
    throw new PostgresCallError(
      `gateway not usable: ${(error as Error).message}`,
      false,
      error,
      true,
    );
  }
  let dialError: Error | undefined;
  return withLoopbackTunnel(
    () =>
      tunnel.dial(prepared, ALPN.tcpProxy).catch((error: Error) => {
        dialError = error;
        throw error;
      }),
    async (port) => {
      const client = new pg.Client({
        host: '127.0.0.1',
        port,
        database: target.database,
        user: target.username,
        password: target.password,
        ssl: target.ca === null ? false : tlsOptions(target),
        connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
        query_timeout: POSTGRES_QUERY_TIMEOUT_MS,
        application_name: 'burrow-control-plane',
      });
      // A connection lost between queries surfaces as the next query's error.
      client.on('error', () => undefined);
      try {
        await client.connect();
      } catch (error) {
        const described = describe(error, dialError, 'connecting');
        if (!(described instanceof PostgresCallError)) throw described;
        throw new PostgresCallError(
          described.message,
          described.databaseAnswered,
          described.cause,
          true,
        );
      }
      try {
        return await fn(client);
      } catch (error) {
        throw describe(error, dialError, 'running the statement');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  );
}

function tlsOptions(target: PostgresTarget): tls.ConnectionOptions {
  return {
    ca: target.ca ?? undefined,
    // The certificate names the database's host, not the loopback port pg dials.
    ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
    checkServerIdentity: (_host, cert) => tls.checkServerIdentity(target.host, cert),
  };
}

/**
 * What a database may put into an answer or a lease's status: a hostile or broken server's error
 * text is cut to this many characters, control characters replaced.
 */
export const DATABASE_MESSAGE_MAX_CHARS = 500;

function databaseWords(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return clean.length > DATABASE_MESSAGE_MAX_CHARS
    ? `${clean.slice(0, DATABASE_MESSAGE_MAX_CHARS)}…`
    : clean;
}

/** What went wrong, in words for the person who configured the database. */
function describe(error: unknown, dialError: Error | undefined, step: string): Error {
  // The callback's own verdicts pass through unchanged.
  if (error instanceof PostgresCallError || error instanceof DomainError) return error;
  if (error instanceof pg.DatabaseError) {
    const at = Number(error.position);
    const position = Number.isSafeInteger(at) && at > 0 ? ` (at character ${at})` : '';
    return new PostgresCallError(
      `the database refused: ${databaseWords(error.message)}${position}`,
      true,
      error,
    );
  }
  if (dialError) {
    return new PostgresCallError(
      `the gateway could not be reached: ${dialError.message}`,
      false,
      error,
    );
  }
  const message = databaseWords((error as Error).message ?? String(error));
  return new PostgresCallError(
    `the database could not be reached (${step}): ${message}`,
    false,
    error,
  );
}
