/**
 * The compose stack's one-shot bootstrap job (runs in the control-plane image, after the control
 * plane is healthy and before the relay, gateway and postgres start):
 *
 *   0. first of all, when BURROW_POSTGRES_PASSWORD_FILE is set and that file does not exist yet: a
 *      generated password for the demo PostgreSQL (mode 0600; its own volume, which postgres reads
 *      as POSTGRES_PASSWORD_FILE and the demo job hands to the PAM account), never printed.
 *   1. POST /api/v1/admin/bootstrap       admin user, organization, admin identity token
 *   2. for each name in BURROW_BOOTSTRAP_IDENTITIES ("relay gateway"):
 *        POST /api/v1/identities, universal auth, one client secret; the identity's role is
 *        scoped to what it runs: `relay` for a name starting with "relay", `gateway` for one
 *        starting with "gateway", else `member`
 *   3. write to BURROW_BOOTSTRAP_DIR (a volume shared read-only with relay and gateway), mode 0600:
 *        admin.env       INFISICAL_TOKEN (the admin identity's token), BURROW_ORGANIZATION_ID
 *        admin-password  only when BURROW_ADMIN_PASSWORD is empty: a generated one (the web
 *                        console's sign-in), never printed
 *        <name>.env      INFISICAL_AUTH_METHOD=universal-auth, INFISICAL_UNIVERSAL_AUTH_CLIENT_ID,
 *                        INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET
 *
 * Each service then points BURROW_ENV_FILE at its file (see entrypoint.sh). Running it again is a
 * no-op once every file exists; a control plane that was bootstrapped but whose files are gone
 * (volume removed) is an error, since the secrets cannot be shown again.
 *
 * Settings (environment): INFISICAL_API_URL, BURROW_ADMIN_EMAIL, BURROW_ADMIN_PASSWORD (empty =
 * generated), BURROW_ORGANIZATION (as `burrow-control-plane bootstrap`), BURROW_BOOTSTRAP_DIR,
 * BURROW_BOOTSTRAP_IDENTITIES, BURROW_POSTGRES_PASSWORD_FILE. Exit 0 done, 1 failed, 2 bad settings.
 *
 * The control plane is called through `@burrow/platform-api` (routes and client); the image runs
 * this file with plain Node from /app/compose-jobs: erasable TypeScript only (job.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { routes, type PlatformClient } from '@burrow/platform-api';
import {
  controlPlane,
  createLoginIdentity,
  envFileText,
  generatedSecret,
  runJob,
  setting,
  SettingError,
  writeSecretFile,
} from './job.ts';

/** How long to wait for the control plane's /healthz before giving up. */
const CONTROL_PLANE_WAIT_MS = 120_000;
/** One /healthz probe; the control plane answers in milliseconds once it listens. */
const HEALTH_PROBE_TIMEOUT_MS = 2_000;

/** The first line of every file this job writes. */
const HEADER = 'Written by the Burrow compose bootstrap job. Secret: keep mode 0600.';

/** Writes a generated password to `file` unless it exists; true when it wrote one. */
function ensureGeneratedPassword(file: string): boolean {
  if (fs.existsSync(file)) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeSecretFile(file, `${generatedSecret(24)}\n`);
  return true;
}

async function waitForControlPlane(platform: PlatformClient): Promise<void> {
  const deadline = Date.now() + CONTROL_PLANE_WAIT_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      await platform.call(routes.healthz, { timeoutMs: HEALTH_PROBE_TIMEOUT_MS });
      return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(
    `control plane at ${platform.origin} not healthy after ${CONTROL_PLANE_WAIT_MS} ms (${last})`,
  );
}

/** The role of a bootstrap identity: a relay or gateway gets only its scoped role. */
function roleOf(name: string): 'relay' | 'gateway' | 'member' {
  if (name.startsWith('relay')) return 'relay';
  if (name.startsWith('gateway')) return 'gateway';
  return 'member';
}

async function main(): Promise<void> {
  const platform = controlPlane();
  const email = setting('BURROW_ADMIN_EMAIL');
  const givenPassword = process.env.BURROW_ADMIN_PASSWORD?.trim() ?? '';
  const organization = setting('BURROW_ORGANIZATION');
  const dir = setting('BURROW_BOOTSTRAP_DIR');
  const names = setting('BURROW_BOOTSTRAP_IDENTITIES', 'relay gateway')
    .split(/[\s,]+/)
    .filter(Boolean);
  for (const name of names) {
    if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(name)) {
      throw new SettingError(`BURROW_BOOTSTRAP_IDENTITIES: "${name}" is not a slug`);
    }
  }
  const postgresPasswordFile = process.env.BURROW_POSTGRES_PASSWORD_FILE?.trim();
  if (postgresPasswordFile && ensureGeneratedPassword(postgresPasswordFile)) {
    console.log(`bootstrap: demo PostgreSQL password generated -> ${postgresPasswordFile} (0600)`);
  }
  const files = ['admin', ...names].map((name) => path.join(dir, `${name}.env`));
  if (files.every((file) => fs.existsSync(file))) {
    console.log(`bootstrap: already done (${files.join(', ')} exist)`);
    return;
  }

  await waitForControlPlane(platform);
  const password = givenPassword === '' ? generatedSecret(18) : givenPassword;
  const bootstrap = await platform.call(routes.bootstrapInstance, {
    body: { email, password, organization },
  });
  const token = bootstrap.identity.credentials.token;
  // As the admin identity the bootstrap call made.
  const admin = controlPlane(() => token);
  const organizationId = bootstrap.organization.id;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(dir, 'admin-password');
  if (givenPassword === '') writeSecretFile(passwordFile, `${password}\n`);
  writeSecretFile(
    path.join(dir, 'admin.env'),
    envFileText(HEADER, { INFISICAL_TOKEN: token, BURROW_ORGANIZATION_ID: organizationId }),
  );
  for (const name of names) {
    const { login } = await createLoginIdentity(
      admin,
      { name: `${name}-identity`, organizationId, role: roleOf(name) },
      `${name} (compose bootstrap)`,
    );
    writeSecretFile(path.join(dir, `${name}.env`), envFileText(HEADER, login));
    console.log(`bootstrap: identity ${name}-identity -> ${path.join(dir, `${name}.env`)}`);
  }
  console.log(`bootstrap: organization "${organization}" ready (${organizationId})`);
  const signIn =
    givenPassword === ''
      ? `the generated password in ${passwordFile} (docker-compose run --rm --no-deps --entrypoint cat bootstrap ${passwordFile})`
      : 'BURROW_ADMIN_PASSWORD from docker/.env';
  console.log(
    `bootstrap: web console http://127.0.0.1:8080/console/ (8080 = CONTROL_PLANE_PORT's default); sign in as ${email} with ${signIn}`,
  );
}

await runJob('bootstrap', main);
