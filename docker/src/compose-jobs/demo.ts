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
 *   4. identity `developer` (role member) with universal auth and one client secret, then a
 *      grant on `demo/`                                            POST /api/v1/pam/grants
 *   5. writes BURROW_DEMO_LOGIN_FILE (mode 0600, a volume only the access service mounts):
 *      INFISICAL_AUTH_METHOD, INFISICAL_UNIVERSAL_AUTH_CLIENT_ID, INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET
 *      — what `burrow login` reads.
 *
 * Running it again is a no-op once that file exists. No secret is ever printed.
 * Settings (environment): INFISICAL_API_URL, INFISICAL_TOKEN (from the bootstrap job's admin.env,
 * loaded through BURROW_ENV_FILE), GATEWAY_NAME, BURROW_DEMO_TARGET, POSTGRES_USER, POSTGRES_DB,
 * POSTGRES_PASSWORD_FILE, BURROW_DEMO_LOGIN_FILE. Exit 0 done, 1 failed, 2 bad settings.
 *
 * The control plane is called through `@burrow/platform-api` (routes and client); the image runs
 * this file with plain Node from /app/compose-jobs: erasable TypeScript only (job.ts).
 */
import fs from 'node:fs';
import { routes, type RouteResponse } from '@burrow/platform-api';
import {
  controlPlane,
  createLoginIdentity,
  envFileText,
  runJob,
  setting,
  SettingError,
  writeSecretFile,
} from './job.ts';

/** The gateway starts after the relay is healthy; compose starts this job once it is healthy too. */
const GATEWAY_WAIT_MS = 120_000;
/** The account a developer opens: folder `demo`, name `postgres`. */
const FOLDER = 'demo';
const ACCOUNT = 'postgres';

type Gateway = RouteResponse<typeof routes.listGateways>[number];

/** `host:port` of the demo target as the gateway dials it. */
function target(value: string): { host: string; port: number } {
  const match = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (match === null) throw new SettingError(`BURROW_DEMO_TARGET: "${value}" is not host:port`);
  return { host: match[1] as string, port: Number(match[2]) };
}

async function main(): Promise<void> {
  const token = setting('INFISICAL_TOKEN');
  const platform = controlPlane(() => token);
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

  const deadline = Date.now() + GATEWAY_WAIT_MS;
  let gateway: Gateway | undefined;
  for (;;) {
    const gateways = await platform.call(routes.listGateways);
    gateway = gateways.find((candidate) => candidate.name === gatewayName);
    if (gateway?.isHealthy === true) break;
    if (Date.now() > deadline) {
      throw new Error(`gateway ${gatewayName} not healthy after ${GATEWAY_WAIT_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }

  const { resource } = await platform.call(routes.createPamResource, {
    body: {
      name: 'demo-postgres',
      resourceType: 'postgres',
      gatewayId: gateway.id,
      connectionDetails: { host, port, database },
    },
  });
  await platform.call(routes.createPamAccount, {
    body: {
      resourceId: resource.id,
      name: ACCOUNT,
      folderPath: FOLDER,
      credentials: { username, password },
    },
  });
  const developer = await createLoginIdentity(
    platform,
    { name: 'developer', organizationId: gateway.orgId, role: 'member' },
    'developer (compose demo)',
  );
  await platform.call(routes.createPamGrant, {
    body: { identityId: developer.identityId, path: `${FOLDER}/` },
  });
  writeSecretFile(
    out,
    envFileText(
      'Written by the Burrow compose demo job: the developer identity. Secret: keep mode 0600.',
      developer.login,
    ),
  );
  console.log(
    `demo: PAM account ${FOLDER}/${ACCOUNT} (${username}@${host}:${port}/${database}) behind ${gatewayName}`,
  );
  console.log(
    `demo: identity "developer" (member, grant on ${FOLDER}/); its login -> ${out} (0600)`,
  );
  console.log('demo: open it with: docker-compose run --rm access');
}

await runJob('demo', main);
