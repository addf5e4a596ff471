import { MachineIdentitySession, resolveApiUrl, resolveAuthFromEnv } from '@burrow/auth-methods';
import { ConfigError } from '@burrow/observability';
import { CliError, EXIT_CODES } from './cli-error.ts';
import { readCredentials, writeCredentials, type StoredCredentials } from './credentials-store.ts';
import { routes } from '@burrow/platform-api';
import { ControlPlane, customHeadersOf } from './control-plane.ts';

/**
 * `burrow login`: logs a machine identity in (reference §7) and stores the access token in
 * `<config dir>/credentials.json` (0600). Universal auth (`--client-id`/`--client-secret`) or a
 * token (`--token`, checked against the platform before it is stored); the other methods of
 * @burrow/auth-methods work through their INFISICAL_* variables.
 *
 * A person logs in with `--email` and a password (`POST /api/v1/auth/user/login`, the console's
 * users): the token acts as the person's identity in its organization, so `pam access` needs no
 * machine identity. The reference's user login (browser or SRP) is not part of the protocol
 * Burrow follows; this one answers the same access-token grant as the machine logins. The
 * password comes from BURROW_PASSWORD or standard input (a prompt without echo on a terminal),
 * never from a flag (shell history).
 *
 * The platform URL comes from `--domain` (as typed), else INFISICAL_DOMAIN, else INFISICAL_API_URL
 * (the reference's order), else from the previous login. INFISICAL_CUSTOM_HEADERS go on the login
 * requests too.
 * Never prints the token or the client secret.
 *
 * @example
 *   await runLogin({ domain: 'http://127.0.0.1:8080', clientId, clientSecret }, configDir, process.env);
 */
export interface LoginFlags {
  domain?: string | undefined;
  method?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  token?: string | undefined;
  organizationSlug?: string | undefined;
  email?: string | undefined;
  /** The person's password (from BURROW_PASSWORD or stdin; see cli.ts). */
  password?: (() => Promise<string>) | undefined;
}

export interface LoginResult {
  credentials: StoredCredentials;
  file: string;
  /** One line for the user, e.g. "Logged in to http://… with universal-auth (client ID …); token expires …". */
  message: string;
}

export async function runLogin(
  flags: LoginFlags,
  configDir: string,
  env: NodeJS.ProcessEnv,
): Promise<LoginResult> {
  const previous = safeRead(configDir);
  let apiUrl: string;
  try {
    apiUrl = resolveApiUrl(flags.domain, env, previous?.apiUrl);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT_CODES.usage);
    throw error;
  }
  const headers = customHeadersOf(env);
  if (flags.email !== undefined) return loginPerson(apiUrl, flags, configDir, headers);
  let options: ReturnType<typeof resolveAuthFromEnv>;
  try {
    options = resolveAuthFromEnv(
      {
        authMethod: flags.method,
        token: flags.token,
        clientId: flags.clientId,
        clientSecret: flags.clientSecret,
        organizationSlug: flags.organizationSlug,
      },
      env,
    );
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT_CODES.usage);
    throw error;
  }

  let accessToken: string;
  let expiresAt: Date | undefined;
  if (options.method === 'token') {
    accessToken = options.token;
    // A token is not exchanged for anything; make sure the platform accepts it before storing it.
    await new ControlPlane({ apiUrl, accessToken }, headers).call(routes.listGateways);
  } else {
    let session: MachineIdentitySession;
    try {
      session = await MachineIdentitySession.login(apiUrl, options, headers);
    } catch (error) {
      const message = (error as Error).message;
      const refused = (error as { status?: number }).status !== undefined;
      throw new CliError(
        refused ? message : `cannot log in: ${message}`,
        refused ? EXIT_CODES.notLoggedIn : EXIT_CODES.failure,
      );
    }
    // The CLI keeps no process running: it stores this token and logs in again when it expires.
    session.close();
    accessToken = session.accessToken;
    expiresAt = session.expiresAt;
  }

  const credentials: StoredCredentials = {
    apiUrl,
    accessToken,
    expiresAt: expiresAt ? expiresAt.toISOString() : null,
    authMethod: options.method,
    ...(options.method === 'universal-auth' ? { clientId: options.clientId } : {}),
  };
  const file = writeCredentials(configDir, credentials);
  const who = options.method === 'universal-auth' ? ` (client ID ${options.clientId})` : '';
  const until = expiresAt ? `; the login is valid until ${expiresAt.toISOString()}` : '';
  return {
    credentials,
    file,
    message: `Logged in to ${apiUrl} with ${options.method}${who}${until}. Saved to ${file}.`,
  };
}

async function loginPerson(
  apiUrl: string,
  flags: LoginFlags,
  configDir: string,
  headers: ReturnType<typeof customHeadersOf>,
): Promise<LoginResult> {
  const email = flags.email as string;
  const password = flags.password ? await flags.password() : '';
  if (password === '') {
    throw new CliError(
      'no password: type it when asked, or pipe it in / set BURROW_PASSWORD',
      EXIT_CODES.usage,
    );
  }
  const grant = await new ControlPlane({ apiUrl, accessToken: '' }, headers).call(
    routes.userLogin,
    {
      body: {
        email,
        password,
        ...(flags.organizationSlug ? { organizationSlug: flags.organizationSlug } : {}),
      },
    },
  );
  const expiresAt = grant.expiresIn > 0 ? new Date(Date.now() + grant.expiresIn * 1000) : null;
  const credentials: StoredCredentials = {
    apiUrl,
    accessToken: grant.accessToken,
    expiresAt: expiresAt ? expiresAt.toISOString() : null,
    authMethod: 'user-password',
    email,
  };
  const file = writeCredentials(configDir, credentials);
  const until = expiresAt ? `; the login is valid until ${expiresAt.toISOString()}` : '';
  return {
    credentials,
    file,
    message: `Logged in to ${apiUrl} as ${email}${until}. Saved to ${file}.`,
  };
}

/** A previous login only lends its URL; an unreadable one is ignored here (it is replaced). */
function safeRead(configDir: string): StoredCredentials | undefined {
  try {
    return readCredentials(configDir);
  } catch {
    return undefined;
  }
}
