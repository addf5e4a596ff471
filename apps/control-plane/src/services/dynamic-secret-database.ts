import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { InvalidRequestError } from '../domain/errors.ts';
import { renderTemplate, type TemplateValues } from '../domain/statement-template.ts';
import type { GatewayTunnelClient } from './gateway-tunnel.ts';
import { withPostgresThroughGateway, type PostgresTarget } from './postgres-through-gateway.ts';

/**
 * What a dynamic secret does in its private database, through the gateway, as the configured
 * admin: create a lease's role, renew it, drop it — and, before a configuration is saved, check
 * its statements by running them all in a transaction that is rolled back.
 *
 * Each statement template runs as one simple-protocol query, which PostgreSQL executes as one
 * implicit transaction: a creation statement that fails half-way leaves nothing behind.
 *
 * @example
 *   await database.check(target, statements); // throws a 400 naming the statement that failed
 *   await database.run(target, secret.creationStatement, values);
 */
export interface Statements {
  creationStatement: string;
  revocationStatement: string;
  renewStatement: string;
}

/** A role name the control plane makes: `burrow_` and 12 hex digits (lowercase, needs no quoting). */
export function newRoleName(): string {
  return `burrow_${randomBytes(6).toString('hex')}`;
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** 32 characters from a 56-letter alphabet (~186 bits); no quote or backslash, so it needs no escaping. */
export function newRolePassword(): string {
  const bytes = randomBytes(64);
  let password = '';
  for (const byte of bytes) {
    // 224 = 4 × 56: bytes above it would favour the first letters.
    if (byte < 224) password += PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length];
    if (password.length === 32) break;
  }
  return password.length === 32 ? password : newRolePassword();
}

export class DynamicSecretDatabase {
  readonly #tunnel: GatewayTunnelClient;

  constructor(tunnel: GatewayTunnelClient) {
    this.#tunnel = tunnel;
  }

  /** Runs one statement template with `values` (throws PostgresCallError). */
  async run(target: PostgresTarget, template: string, values: TemplateValues): Promise<void> {
    await withPostgresThroughGateway(this.#tunnel, target, async (client) => {
      await client.query(renderTemplate(template, values));
    });
  }

  /**
   * Logs in with the admin credentials and runs creation, renew and revocation for a probe role
   * inside BEGIN … ROLLBACK; checks that creation made the role and revocation removed it.
   * Throws a 400 that names the failing statement and what the database said.
   */
  async check(target: PostgresTarget, statements: Statements): Promise<void> {
    const values: TemplateValues = {
      username: newRoleName(),
      password: newRolePassword(),
      expiration: new Date(Date.now() + 60_000).toISOString(),
      database: target.database,
    };
    const roleExists = async (client: pg.Client) =>
      (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [values.username]))
        .rowCount === 1;
    let step = 'connecting with the admin credentials';
    try {
      await withPostgresThroughGateway(this.#tunnel, target, async (client) => {
        step = 'BEGIN';
        await client.query('BEGIN');
        try {
          step = 'creationStatement';
          await client.query(renderTemplate(statements.creationStatement, values));
          if (!(await roleExists(client))) {
            throw new InvalidRequestError(
              `creationStatement ran but made no role named {{username}} (check its quoting)`,
            );
          }
          step = 'renewStatement';
          await client.query(renderTemplate(statements.renewStatement, values));
          step = 'revocationStatement';
          await client.query(renderTemplate(statements.revocationStatement, values));
          if (await roleExists(client)) {
            throw new InvalidRequestError(
              'revocationStatement ran but the role {{username}} still exists (it must drop it)',
            );
          }
        } finally {
          await client.query('ROLLBACK').catch(() => undefined);
        }
      });
    } catch (error) {
      if (error instanceof InvalidRequestError) throw error;
      throw new InvalidRequestError(
        `The statements were not saved: ${step} failed: ${(error as Error).message}`,
        {},
        { cause: error },
      );
    }
  }
}
