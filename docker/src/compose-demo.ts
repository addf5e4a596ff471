#!/usr/bin/env node
/**
 * After `docker-compose up -d`: makes the compose stack's demo PostgreSQL a PAM account a person can
 * open, and that person. Runs on the Docker host with the repository's Node 24; reads the admin
 * token from stdin (the `admin.env` the bootstrap job wrote), so it never appears on a command line:
 *
 *   docker-compose -f docker/compose.yaml --env-file docker/.env run --rm --no-deps \
 *     --entrypoint cat bootstrap /var/lib/burrow/bootstrap/admin.env |
 *     node docker/src/compose-demo.ts --env-file docker/.env --out developer.env
 *
 * As the admin, through the control plane's published port:
 *   1. waits for the gateway (GATEWAY_NAME) to be healthy       GET  /api/v2/gateways
 *   2. the postgres service as a PAM resource behind it          POST /api/v1/pam/resources
 *      (host `postgres`, port 5432, POSTGRES_DB: the gateway resolves it on the private network)
 *   3. account demo/postgres with POSTGRES_USER/POSTGRES_PASSWORD POST /api/v1/pam/accounts
 *   4. identity `developer` (member), a grant on `demo/`, universal auth and one client secret
 *   5. writes --out (mode 0600): INFISICAL_API_URL, INFISICAL_UNIVERSAL_AUTH_CLIENT_ID,
 *      INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET — what `burrow login` reads — and prints the two
 *      commands to type next. Running it again is refused (the resource exists: 409).
 *
 * Settings: --env-file (compose's docker/.env: POSTGRES_*, GATEWAY_NAME, CONTROL_PLANE_PORT),
 * environment variables win; INFISICAL_API_URL defaults to http://127.0.0.1:<CONTROL_PLANE_PORT>.
 * Exit 0 done, 1 failed, 2 bad settings.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDotEnv } from './compose-interpolation.ts';

const GATEWAY_WAIT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 30_000;

class SettingError extends Error {}

interface Gateway {
  id: string;
  name: string;
  orgId: string;
  isHealthy?: boolean;
}

/** A path `.` (the shell's source command) finds: relative ones need a directory part. */
function sourceable(file: string): string {
  return file.includes('/') ? file : `./${file}`;
}

function settingsFrom(envFile: string | undefined): Record<string, string | undefined> {
  const file = envFile === undefined ? {} : parseDotEnv(fs.readFileSync(envFile, 'utf8'));
  return { ...file, ...process.env };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'env-file': { type: 'string' }, out: { type: 'string' } },
  });
  if (values.out === undefined) throw new SettingError('--out <file> is required');
  const settings = settingsFrom(values['env-file']);
  const required = (name: string, fallback?: string): string => {
    const value = settings[name]?.trim() || fallback;
    if (value === undefined || value === '') throw new SettingError(`${name} is required`);
    return value;
  };
  const origin = required(
    'INFISICAL_API_URL',
    `http://127.0.0.1:${settings.CONTROL_PLANE_PORT || '8080'}`,
  )
    .replace(/\/+$/, '')
    .replace(/\/api$/, '');
  const token = parseDotEnv(fs.readFileSync(0, 'utf8')).INFISICAL_TOKEN;
  if (!token) throw new SettingError('no INFISICAL_TOKEN on stdin (pipe the bootstrap admin.env)');
  const gatewayName = required('GATEWAY_NAME', 'gateway-1');
  const database = required('POSTGRES_DB', 'app');
  const username = required('POSTGRES_USER', 'app');
  const password = required('POSTGRES_PASSWORD');

  const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${origin}/api${route}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} /api${route} -> ${response.status}: ${text.slice(0, 300)}`);
    }
    return JSON.parse(text) as T;
  };

  const deadline = Date.now() + GATEWAY_WAIT_MS;
  let gateway: Gateway | undefined;
  for (;;) {
    const listed = await api<Gateway[] | { gateways?: Gateway[] }>('GET', '/v2/gateways');
    const gateways = Array.isArray(listed) ? listed : (listed.gateways ?? []);
    gateway = gateways.find((candidate) => candidate.name === gatewayName);
    if (gateway?.isHealthy === true) break;
    if (Date.now() > deadline) {
      throw new Error(`gateway ${gatewayName} not healthy after ${GATEWAY_WAIT_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }

  const { resource } = await api<{ resource: { id: string } }>('POST', '/v1/pam/resources', {
    name: 'demo-postgres',
    resourceType: 'postgres',
    gatewayId: gateway.id,
    connectionDetails: { host: 'postgres', port: 5432, database },
  });
  await api('POST', '/v1/pam/accounts', {
    resourceId: resource.id,
    name: 'postgres',
    folderPath: 'demo',
    credentials: { username, password },
  });
  const { identity } = await api<{ identity: { id: string } }>('POST', '/v1/identities', {
    name: 'developer',
    organizationId: gateway.orgId,
    role: 'member',
  });
  await api('POST', '/v1/pam/grants', { identityId: identity.id, path: 'demo/' });
  const { identityUniversalAuth } = await api<{ identityUniversalAuth: { clientId: string } }>(
    'POST',
    `/v1/auth/universal-auth/identities/${identity.id}`,
    {},
  );
  const { clientSecret } = await api<{ clientSecret: string }>(
    'POST',
    `/v1/auth/universal-auth/identities/${identity.id}/client-secrets`,
    { description: 'developer (compose demo)' },
  );
  const lines = [
    '# Written by docker/src/compose-demo.ts: the developer identity. Secret: keep mode 0600.',
    `INFISICAL_API_URL=${origin}`,
    `INFISICAL_UNIVERSAL_AUTH_CLIENT_ID=${identityUniversalAuth.clientId}`,
    `INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET=${clientSecret}`,
  ];
  fs.writeFileSync(values.out, `${lines.join('\n')}\n`, { mode: 0o600 });
  fs.chmodSync(values.out, 0o600);
  process.stdout.write(
    [
      `demo: PAM account demo/postgres (${username}@postgres:5432/${database}) behind ${gatewayName}`,
      `demo: identity "developer" may open demo/*; its login is in ${values.out} (0600)`,
      'next:',
      `  set -a; . ${sourceable(values.out)}; set +a; burrow login`,
      '  burrow pam access demo/postgres',
      '',
    ].join('\n'),
  );
}

try {
  await main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`compose-demo: ${message}\n`);
  process.exit(error instanceof SettingError ? 2 : 1);
}
