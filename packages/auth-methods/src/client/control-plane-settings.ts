/**
 * Where the control plane is and what every request to it carries: the settings relay, gateway
 * and access CLI share (reference §3.1, §5.1, §5.9).
 *
 *   address  --domain > INFISICAL_DOMAIN > INFISICAL_API_URL, as the reference's global
 *            `--domain`/`INFISICAL_DOMAIN`/`INFISICAL_API_URL`; `/api` is appended when missing.
 *   headers  INFISICAL_CUSTOM_HEADERS (`k1=v1 k2="v 2"`, no flag), sent on every request.
 *
 * commander's environment fallback cannot express a flag beaten by a second variable, so the
 * `--domain` value given here must be the command line's alone (commander's
 * `getOptionValueSource('domain') === 'cli'`), not one it filled in from INFISICAL_API_URL.
 */
import { ConfigError, nonEmpty, type Setting } from '@burrow/observability';
import { parseCustomHeaders } from '@burrow/platform-api';
import { normalizeApiUrl } from './api-url.ts';
import type { LoginSetting } from './login-settings.ts';

/** `--domain`: its `--help` line lists the environment variables in the order they count. */
export const DOMAIN_SETTING = {
  flag: '--domain',
  value: '<url>',
  env: 'INFISICAL_API_URL',
  help: 'control plane URL, e.g. https://burrow.example.com (/api is appended); INFISICAL_DOMAIN, when set, wins over INFISICAL_API_URL',
} as const satisfies LoginSetting;

/** INFISICAL_DOMAIN, the variable that beats INFISICAL_API_URL. */
export const DOMAIN_ENV_SETTING: Setting = { env: 'INFISICAL_DOMAIN' };

export const CUSTOM_HEADERS_SETTING: Setting = { env: 'INFISICAL_CUSTOM_HEADERS' };

/** What `start --help` says, after the flags, about the control plane's environment variables. */
export const CONTROL_PLANE_ENVIRONMENT_HELP = `Control plane environment (no flag):
  INFISICAL_DOMAIN          control plane URL; wins over INFISICAL_API_URL, loses to --domain
  INFISICAL_CUSTOM_HEADERS  headers sent on every control plane request, login included:
                            name=value pairs separated by spaces, e.g. X-Org=acme X-Note="two words"`;

/**
 * The control plane's API base URL (ending in /api) from `--domain` as typed on the command line,
 * else INFISICAL_DOMAIN, else INFISICAL_API_URL, else `fallback` (e.g. the previous login's).
 * Throws a {@link ConfigError} naming where a bad value came from, or that none was given.
 *
 * @example
 *   resolveApiUrl(undefined, { INFISICAL_DOMAIN: 'https://a', INFISICAL_API_URL: 'https://b' });
 *   // 'https://a/api'
 */
export function resolveApiUrl(
  domainFlag: string | undefined,
  env: NodeJS.ProcessEnv,
  fallback?: string,
): string {
  const fromFlag = nonEmpty(domainFlag);
  const fromDomainEnv = nonEmpty(env.INFISICAL_DOMAIN);
  const value = fromFlag ?? fromDomainEnv ?? nonEmpty(env.INFISICAL_API_URL) ?? nonEmpty(fallback);
  // A bad INFISICAL_DOMAIN is named as such: the --domain label would send a person to the wrong place.
  const setting =
    fromFlag === undefined && fromDomainEnv !== undefined ? DOMAIN_ENV_SETTING : DOMAIN_SETTING;
  if (value === undefined) {
    throw new ConfigError(
      DOMAIN_SETTING,
      'is required: the control plane URL (or set INFISICAL_DOMAIN), e.g. https://burrow.example.com',
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      setting,
      `${JSON.stringify(value)} is not a URL (expected http(s)://host[:port])`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(setting, `${JSON.stringify(value)} must use http or https`);
  }
  return normalizeApiUrl(value);
}

/**
 * The headers of INFISICAL_CUSTOM_HEADERS for every control plane request (none when unset);
 * throws a {@link ConfigError} naming the variable and the bad entry, never quoting a value.
 *
 * @example
 *   new PlatformClient({ apiUrl, token, headers: resolveCustomHeaders(process.env) });
 */
export function resolveCustomHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  const parsed = parseCustomHeaders(env.INFISICAL_CUSTOM_HEADERS);
  if (typeof parsed === 'string') throw new ConfigError(CUSTOM_HEADERS_SETTING, parsed);
  return parsed;
}

/**
 * The control plane's settings as a service's env file holds them (`systemd install`), so that
 * `start` finds what install was given: the address once, under the variable that carried it (a
 * typed `--domain` and INFISICAL_API_URL as INFISICAL_API_URL, else INFISICAL_DOMAIN: writing both
 * would let a stale INFISICAL_DOMAIN beat a typed `--domain`), and INFISICAL_CUSTOM_HEADERS as given.
 * Checks nothing: pass the result as `env` to the program's own parser.
 *
 * @example
 *   controlPlaneEnvironment(undefined, { INFISICAL_DOMAIN: 'https://a', INFISICAL_API_URL: 'https://b' });
 *   // { INFISICAL_DOMAIN: 'https://a' }
 */
export function controlPlaneEnvironment(
  domainFlag: string | undefined,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const environment: Record<string, string> = {};
  const fromFlag = nonEmpty(domainFlag);
  const fromDomainEnv = nonEmpty(env.INFISICAL_DOMAIN);
  const fromApiUrlEnv = nonEmpty(env.INFISICAL_API_URL);
  if (fromFlag !== undefined) environment.INFISICAL_API_URL = fromFlag;
  else if (fromDomainEnv !== undefined) environment.INFISICAL_DOMAIN = fromDomainEnv;
  else if (fromApiUrlEnv !== undefined) environment.INFISICAL_API_URL = fromApiUrlEnv;
  const headers = nonEmpty(env.INFISICAL_CUSTOM_HEADERS);
  if (headers !== undefined) environment.INFISICAL_CUSTOM_HEADERS = headers;
  return environment;
}
