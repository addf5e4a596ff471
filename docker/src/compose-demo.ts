/**
 * The compose stack's one-shot demo job (control-plane image, after the gateway is healthy): makes
 * the demo PostgreSQL a PAM account and a person who may open it, so that
 * `docker-compose run --rm access` needs nothing else. As the bootstrap job's admin identity:
 *
 *   1. waits for the gateway GATEWAY_NAME to be healthy          GET  /api/v2/gateways
 *   2. the postgres service as a PAM resource behind it           POST /api/v1/pam/resources
 *      (BURROW_DEMO_TARGET host:port, POSTGRES_DB: the gateway reaches it on the private network)
 *   3. account demo/postgres: POSTGRES_USER and the password in    POST /api/v1/pam/accounts
 *      POSTGRES_PASSWORD_FILE (the bootstrap job generated it; only the gateway ever sees it again)
 *   4. identity `developer` (role member), a grant on `demo/`, universal auth, one client secret
 *   5. writes BURROW_DEMO_LOGIN_FILE (mode 0600, a volume only the access service mounts):
 *      INFISICAL_AUTH_METHOD, INFISICAL_UNIVERSAL_AUTH_CLIENT_ID, INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET
 *      — what `burrow login` reads.
 *
 * Running it again is a no-op once that file exists. No secret is ever printed.
 * Settings (environment): INFISICAL_API_URL, INFISICAL_TOKEN (from the bootstrap job's admin.env,
 * loaded through BURROW_ENV_FILE), GATEWAY_NAME, BURROW_DEMO_TARGET, POSTGRES_USER, POSTGRES_DB,
 * POSTGRES_PASSWORD_FILE, BURROW_DEMO_LOGIN_FILE. Exit 0 done, 1 failed, 2 bad settings.
 *
 * Plain Node (fetch, fs) and erasable TypeScript only: the image runs this file as it is.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The gateway starts after the relay is healthy; compose starts this job once it is healthy too. */
const GATEWAY_WAIT_MS = 120_000;
/** One API call; the control plane answers in milliseconds when healthy. */
const REQUEST_TIMEOUT_MS = 30_000;
/** The account a developer opens: folder `demo`, name `postgres`. */
const FOLDER = 'demo';
const ACCOUNT = 'postgres';

class SettingError extends Error {}

interface Gateway {
  id: string;
  name: string;
  orgId: string;
  isHealthy?: boolean;
}

function setting(name: string, fallback?: string): string {
  const value = process.env[name]?.trim() || fallback;
  if (value === undefined || value === '') throw new SettingError(`${name} is required`);
  return value;
}

/** `host:port` of the demo target as the gateway dials it. */
function target(value: string): { host: string; port: number } {
  const match = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (match === null) throw new SettingError(`BURROW_DEMO_TARGET: "${value}" is not host:port`);
  return { host: match[1] as string, port: Number(match[2]) };
}

async function main(): Promise<void> {
  const origin = setting('INFISICAL_API_URL')
    .replace(/\/+$/, '')
    .replace(/\/api$/, '');
  const token = setting('INFISICAL_TOKEN');
  const gatewayName = setting('GATEWAY_NAME', 'gateway-1');
  const { host, port } = target(setting('BURROW_DEMO_TARGET', 'postgres:5432'));
  const username = setting('POSTGRES_USER', 'app');
  const database = setting('POSTGRES_DB', 'app');
  const passwordFile = setting('POSTGRES_PASSWORD_FILE');
  const out = setting('BURROW_DEMO_LOGIN_FILE');
  if (fs.existsSync(out)) {
    console.log(`demo: already done (${out} exists)`);
    return;
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  if (password === '') throw new SettingError(`POSTGRES_PASSWORD_FILE ${passwordFile} is empty`);

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
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // not JSON
      }
      throw new Error(`${method} /api${route} -> ${response.status}: ${message}`);
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
    connectionDetails: { host, port, database },
  });
  await api('POST', '/v1/pam/accounts', {
    resourceId: resource.id,
    name: ACCOUNT,
    folderPath: FOLDER,
    credentials: { username, password },
  });
  const { identity } = await api<{ identity: { id: string } }>('POST', '/v1/identities', {
    name: 'developer',
    organizationId: gateway.orgId,
    role: 'member',
  });
  await api('POST', '/v1/pam/grants', { identityId: identity.id, path: `${FOLDER}/` });
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
    '# Written by the Burrow compose demo job: the developer identity. Secret: keep mode 0600.',
    'INFISICAL_AUTH_METHOD=universal-auth',
    `INFISICAL_UNIVERSAL_AUTH_CLIENT_ID=${identityUniversalAuth.clientId}`,
    `INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET=${clientSecret}`,
  ];
  // Created 0600 under a temporary name, then renamed: never readable by others, never half-written.
  const temporary = path.join(path.dirname(out), `.${path.basename(out)}.tmp-${process.pid}`);
  fs.writeFileSync(temporary, `${lines.join('\n')}\n`, { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, out);
  console.log(
    `demo: PAM account ${FOLDER}/${ACCOUNT} (${username}@${host}:${port}/${database}) behind ${gatewayName}`,
  );
  console.log(
    `demo: identity "developer" (member, grant on ${FOLDER}/); its login -> ${out} (0600)`,
  );
  console.log('demo: open it with: docker-compose run --rm access');
}

try {
  await main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`demo: ${message}\n`);
  process.exit(error instanceof SettingError ? 2 : 1);
}
