/**
 * What the compose stack's one-shot jobs (bootstrap.ts, demo.ts) share: their settings, their
 * client of the control plane, their 0600 files and how they end.
 *
 * - Settings come from the environment; a missing or malformed one is a {@link SettingError}:
 *   exit 2. Any other failure exits 1. Either is one line on stderr, `<job>: <reason>`; a failed
 *   API call reads `<job>: POST /api/v1/identities answered 403: <the server's reason>`
 *   ({@link PlatformError}), never with a token or a request body in it.
 * - The control plane is called only through `@burrow/platform-api` (its routes and its one
 *   client). The image runs these files with plain `node` from /app/compose-jobs, where Node
 *   resolves that package from /app/node_modules, the control plane's own `pnpm deploy`: so
 *   erasable TypeScript only, and no other package than the control plane's dependencies.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PlatformClient, routes, type RouteBody, type TokenSupplier } from '@burrow/platform-api';

/** A setting is missing or malformed: the job exits 2. */
export class SettingError extends Error {}

/** The environment variable `name`, trimmed; `fallback` when it is unset or empty. */
export function setting(name: string, fallback?: string): string {
  const value = process.env[name]?.trim() || fallback;
  if (value === undefined || value === '') throw new SettingError(`${name} is required`);
  return value;
}

/**
 * The control plane at INFISICAL_API_URL (with or without `/api`), calling as whoever `token`
 * returns. Given the origin, so that failures name the full path (`/api/v1/identities`).
 */
export function controlPlane(token?: TokenSupplier): PlatformClient {
  const origin = setting('INFISICAL_API_URL')
    .replace(/\/+$/, '')
    .replace(/\/api$/, '');
  if (!URL.canParse(origin) || !/^https?:$/.test(new URL(origin).protocol)) {
    throw new SettingError(`INFISICAL_API_URL: "${origin}" is not an http(s) URL`);
  }
  return new PlatformClient({ apiUrl: origin, ...(token === undefined ? {} : { token }) });
}

/** A random secret of `bytes` bytes, as characters that need no quoting anywhere. */
export function generatedSecret(bytes: number): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/**
 * Writes `text` to `file` with mode 0600: created under a temporary name in the same directory,
 * then renamed, so it is never readable by others and never half-written.
 */
export function writeSecretFile(file: string, text: string): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  fs.writeFileSync(temporary, text, { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
}

/** Values go into files that Node reads with --env-file: keep them to characters needing no quoting. */
const SAFE_VALUE = /^[A-Za-z0-9._~+/=:@-]*$/;

/** `KEY=value` lines under a `# header` comment, as Node's --env-file reads them. */
export function envFileText(header: string, variables: Record<string, string>): string {
  const lines = [`# ${header}`];
  for (const [key, value] of Object.entries(variables)) {
    if (!SAFE_VALUE.test(value)) throw new Error(`${key}: unexpected characters in the value`);
    lines.push(`${key}=${value}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Creates a machine identity with universal auth and one client secret, as `admin`; returns its
 * id and its login as the variables `burrow login`, the relay and the gateway read.
 */
export async function createLoginIdentity(
  admin: PlatformClient,
  identity: RouteBody<typeof routes.createIdentity>,
  description: string,
): Promise<{ identityId: string; login: Record<string, string> }> {
  const created = await admin.call(routes.createIdentity, { body: identity });
  const params = { identityId: created.identity.id };
  const { identityUniversalAuth } = await admin.call(routes.attachUniversalAuth, {
    params,
    body: {},
  });
  const { clientSecret } = await admin.call(routes.createUniversalAuthClientSecret, {
    params,
    body: { description },
  });
  return {
    identityId: created.identity.id,
    login: {
      INFISICAL_AUTH_METHOD: 'universal-auth',
      INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: identityUniversalAuth.clientId,
      INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: clientSecret,
    },
  };
}

/** Runs the job `name`: exit 0 when `main` resolves, 2 on a {@link SettingError}, 1 otherwise. */
export async function runJob(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(error instanceof SettingError ? 2 : 1);
  }
}
