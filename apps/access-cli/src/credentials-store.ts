import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CliError, EXIT_CODES } from './cli-error.ts';
import { ensureConfigDir } from './config-dir.ts';

/**
 * The login `burrow login` leaves behind, in `<config dir>/credentials.json` (mode 0600, in a
 * 0700 directory). It holds the access token, so:
 * - it is written to a temporary file with mode 0600 and renamed into place (never a moment with
 *   a wider mode or a half-written file);
 * - reading refuses a file that group or others can read, naming the fix;
 * - nothing here ever prints the token.
 *
 * `authMethod` and `clientId` (never the client secret) are kept so that an expired login can
 * say exactly how to log in again.
 *
 * @example
 *   writeCredentials(dir, { apiUrl, accessToken, expiresAt: null, authMethod: 'token' });
 *   const login = readCredentials(dir); // undefined when not logged in
 */
export interface StoredCredentials {
  /** Platform API base, e.g. `http://127.0.0.1:8080/api`. */
  apiUrl: string;
  accessToken: string;
  /** ISO-8601 expiry of the access token; null when unknown (token auth). */
  expiresAt: string | null;
  /** The machine-identity method used, to tell the user how to log in again. */
  authMethod: string;
  /** Universal auth: the client ID (not secret), for the re-login hint. */
  clientId?: string;
  /** A person's login (`burrow login --email`): the email, for the re-login hint. */
  email?: string;
}

export const CREDENTIALS_FILE = 'credentials.json';
export const CREDENTIALS_FILE_MODE = 0o600;

export function credentialsPath(configDir: string): string {
  return path.join(configDir, CREDENTIALS_FILE);
}

export function writeCredentials(configDir: string, credentials: StoredCredentials): string {
  ensureConfigDir(configDir);
  const file = credentialsPath(configDir);
  const temporary = `${file}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, {
      mode: CREDENTIALS_FILE_MODE,
      flag: 'wx',
    });
    fs.chmodSync(temporary, CREDENTIALS_FILE_MODE); // in case the umask removed bits we want
    fs.renameSync(temporary, file);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  return file;
}

/** The stored login, or undefined when there is none. Throws CliError for an unsafe or bad file. */
export function readCredentials(configDir: string): StoredCredentials | undefined {
  const file = credentialsPath(configDir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new CliError(
      `${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
      EXIT_CODES.notLoggedIn,
    );
  }
  let parsed: Partial<StoredCredentials>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StoredCredentials>;
  } catch {
    throw new CliError(`${file} is not valid JSON; run burrow login again`, EXIT_CODES.notLoggedIn);
  }
  if (typeof parsed.apiUrl !== 'string' || typeof parsed.accessToken !== 'string') {
    throw new CliError(
      `${file} lacks apiUrl/accessToken; run burrow login again`,
      EXIT_CODES.notLoggedIn,
    );
  }
  return {
    apiUrl: parsed.apiUrl,
    accessToken: parsed.accessToken,
    expiresAt: typeof parsed.expiresAt === 'string' ? parsed.expiresAt : null,
    authMethod: typeof parsed.authMethod === 'string' ? parsed.authMethod : 'unknown',
    ...(typeof parsed.clientId === 'string' ? { clientId: parsed.clientId } : {}),
  };
}

/** Removes the stored login; true when there was one. */
export function deleteCredentials(configDir: string): boolean {
  const file = credentialsPath(configDir);
  if (!fs.existsSync(file)) return false;
  fs.rmSync(file);
  return true;
}

/**
 * The stored login, refusing with exit code 3 when there is none or it expired.
 *
 * @example
 *   const login = requireLogin(configDir); // throws "not logged in: run burrow login ..."
 */
export function requireLogin(configDir: string, now = Date.now()): StoredCredentials {
  const credentials = readCredentials(configDir);
  if (!credentials) {
    throw new CliError(
      'not logged in: run burrow login --domain <url> (universal auth or --token)',
      EXIT_CODES.notLoggedIn,
    );
  }
  if (credentials.expiresAt !== null && Date.parse(credentials.expiresAt) <= now) {
    throw new CliError(
      `your login expired at ${credentials.expiresAt}: run ${reloginHint(credentials)}`,
      EXIT_CODES.notLoggedIn,
    );
  }
  return credentials;
}

/** How to log in again with the same method, e.g. `burrow login --method universal-auth --client-id …`. */
export function reloginHint(credentials: StoredCredentials): string {
  const parts = ['burrow login', `--domain ${credentials.apiUrl}`];
  if (credentials.authMethod === 'universal-auth') {
    parts.push('--method universal-auth');
    if (credentials.clientId) parts.push(`--client-id ${credentials.clientId}`);
    parts.push('(client secret from INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET)');
  } else if (credentials.authMethod === 'token') {
    parts.push('--method token --token <token>');
  } else if (credentials.authMethod !== 'unknown') {
    parts.push(`--method ${credentials.authMethod}`);
  }
  return parts.join(' ');
}
