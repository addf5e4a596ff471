import crypto from 'node:crypto';
import { routes } from '@burrow/platform-api';
import type { PostgresServer } from '@burrow/test-support';
import type { LocalStack } from './local-stack.ts';

/**
 * The dynamic-secret part of `burrow-stack`, on the PAM demo's PostgreSQL: a table `products`, a
 * role `vault_admin` that may create roles (its random password only the control plane learns),
 * the dynamic secret `orders-ro` behind the stack's gateway (a role that may read `products`,
 * 1h by default, at most 24h) and a grant on it for `granteeId`. Returns the lines to print: the
 * README's "Dynamic secrets" flow, ready to paste after the PAM demo's login.
 *
 * @example
 *   const lines = await setUpDynamicSecretDemo(stack, gatewayId, postgres, you.identityId, 'burrow');
 */
export async function setUpDynamicSecretDemo(
  stack: LocalStack,
  gatewayId: string,
  postgres: PostgresServer,
  granteeId: string,
  burrow: string,
): Promise<string> {
  const adminPassword = crypto.randomBytes(18).toString('base64url');
  await postgres.sql(
    [
      "CREATE TABLE products (id int PRIMARY KEY, name text); INSERT INTO products VALUES (1, 'anvil'), (2, 'rocket skates');",
      `CREATE ROLE vault_admin WITH LOGIN CREATEROLE PASSWORD '${adminPassword}';`,
      'GRANT SELECT ON products TO vault_admin WITH GRANT OPTION; GRANT pg_signal_backend TO vault_admin;',
    ].join('\n'),
    'orders',
  );
  await stack.api.call(routes.createDynamicSecret, {
    body: {
      name: 'orders-ro',
      defaultTTL: '1h',
      maxTTL: '24h',
      provider: {
        type: 'sql-database',
        inputs: {
          client: 'postgres',
          gatewayId,
          host: '127.0.0.1',
          port: postgres.port,
          database: 'orders',
          username: 'vault_admin',
          password: adminPassword,
          creationStatement: `CREATE ROLE "{{username}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON products TO "{{username}}";`,
        },
      },
    },
  });
  await stack.api.call(routes.createDynamicSecretGrant, {
    params: { name: 'orders-ro' },
    body: { identityId: granteeId },
  });
  return `
Try dynamic secrets: a database role made for you through the gateway, dropped when the lease ends.
  eval "$(${burrow} dynamic-secrets lease create orders-ro --ttl 15m --format env)"
  psql -c 'SELECT * FROM products'                      # works; INSERT or another table: permission denied
  ${burrow} dynamic-secrets lease list orders-ro
  ${burrow} dynamic-secrets lease revoke "$BURROW_LEASE_ID"   # the role is dropped; psql is refused from now on
`;
}
