/**
 * The configuration of `burrow-gateway start <name>`: the flags and environment variables of the
 * reference's `infisical gateway start` (§5.1, §5.9) that Burrow builds today.
 *
 * Precedence (reference §5.1):
 *   name   positional argument > --name > INFISICAL_GATEWAY_NAME            (required)
 *   relay  --target-relay-name > --relay > INFISICAL_RELAY_NAME             (required for now:
 *          relay auto-selection is not built yet). A comma-separated list (`edge-1,edge-2`)
 *          makes the gateway hold a live tunnel to each of those relays at once (Burrow HA;
 *          the reference takes one name).
 *   metrics --metrics-listen-address > BURROW_GATEWAY_METRICS_LISTEN_ADDRESS  (off when unset)
 *   domain --domain > INFISICAL_API_URL > INFISICAL_DOMAIN                  (required)
 *   login  --auth-method / --token / --client-id / --client-secret / --organization-slug /
 *          --machine-identity-id / --service-account-token-path / --service-account-key-file-path /
 *          --jwt and their environment variables, resolved by @burrow/auth-methods (all nine
 *          methods of the reference)
 *
 * Parsing is pure: the flags come in with commander's environment fallback already applied, and
 * the few settings commander cannot map come from `env`. A bad setting becomes one
 * {@link ConfigError} whose one-line message names the flag and its environment variable.
 */
import path from 'node:path';
import { DEFAULT_PAM_SESSION_RECORDING_MAX_BYTES } from '../pam/recording-storage.ts';
import type { LoginOptions } from '@burrow/auth-methods';
import {
  LOGIN_SETTINGS,
  normalizeApiUrl,
  resolveAuthFromEnv,
  SUPPORTED_AUTH_METHODS,
} from '@burrow/auth-methods';
import type { ListenAddress } from '@burrow/observability';
import { parseObservabilityListenAddress } from '@burrow/observability';

/** Every setting: its flag, its environment variable, and the line `--help` shows. */
export const GATEWAY_SETTINGS = {
  name: {
    flag: '--name',
    env: 'INFISICAL_GATEWAY_NAME',
    help: 'gateway name, a slug (deprecated flag: give the name as the argument of start)',
  },
  targetRelayName: {
    flag: '--target-relay-name',
    env: 'INFISICAL_RELAY_NAME',
    help: 'name of the relay to dial out to, or several comma-separated (a tunnel to each at once, for HA); required for now: relay auto-selection is not built yet',
  },
  relay: {
    flag: '--relay',
    env: 'INFISICAL_RELAY_NAME',
    help: 'alias of --target-relay-name (which wins when both are given)',
  },
  domain: {
    flag: '--domain',
    env: 'INFISICAL_API_URL',
    help: 'control plane URL, e.g. https://burrow.example.com (/api is appended); also read from INFISICAL_DOMAIN',
  },
  authMethod: LOGIN_SETTINGS.authMethod,
  token: LOGIN_SETTINGS.token,
  clientId: LOGIN_SETTINGS.clientId,
  clientSecret: LOGIN_SETTINGS.clientSecret,
  organizationSlug: LOGIN_SETTINGS.organizationSlug,
  machineIdentityId: LOGIN_SETTINGS.machineIdentityId,
  serviceAccountTokenPath: LOGIN_SETTINGS.serviceAccountTokenPath,
  serviceAccountKeyFilePath: LOGIN_SETTINGS.serviceAccountKeyFilePath,
  jwt: LOGIN_SETTINGS.jwt,
  pamSessionRecordingPath: {
    flag: '--pam-session-recording-path',
    env: 'INFISICAL_PAM_SESSION_RECORDING_PATH',
    help: 'directory of the encrypted PAM session recordings (default /var/lib/infisical/session_recordings, or ~/.burrow/session_recordings when that is not writable)',
  },
  pamSessionRecordingMaxBytes: {
    flag: '--pam-session-recording-max-bytes',
    env: 'BURROW_GATEWAY_PAM_SESSION_RECORDING_MAX_BYTES',
    help: 'disk space the local PAM recordings may take, e.g. 10GiB, 500MiB or bytes (default 10GiB); when reached, new PAM sessions are refused until uploads free space, and sessions already running keep recording',
  },
  metricsListenAddress: {
    flag: '--metrics-listen-address',
    env: 'BURROW_GATEWAY_METRICS_LISTEN_ADDRESS',
    help: 'serve /healthz, /readyz and Prometheus /metrics here, host:port (off when unset; :port means 127.0.0.1)',
  },
  logLevel: {
    flag: '--log-level',
    env: 'BURROW_LOG_LEVEL',
    help: 'pino log level: fatal, error, warn, info, debug, trace or silent',
  },
} as const;

export type GatewaySettingKey = keyof typeof GATEWAY_SETTINGS;

/**
 * Values as they come from the command line. commander folds in each flag's environment variable,
 * except for `relay`/`targetRelayName`, which share INFISICAL_RELAY_NAME: those two carry only what
 * was typed on the command line, and the environment variable comes from `env`.
 */
export interface GatewayFlags {
  /** The positional argument of `start`. */
  positionalName?: string | undefined;
  name?: string | undefined;
  targetRelayName?: string | undefined;
  relay?: string | undefined;
  domain?: string | undefined;
  authMethod?: string | undefined;
  token?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  organizationSlug?: string | undefined;
  machineIdentityId?: string | undefined;
  serviceAccountTokenPath?: string | undefined;
  serviceAccountKeyFilePath?: string | undefined;
  jwt?: string | undefined;
  pamSessionRecordingPath?: string | undefined;
  pamSessionRecordingMaxBytes?: string | undefined;
  metricsListenAddress?: string | undefined;
  logLevel?: string | undefined;
}

/** Login methods this gateway accepts: all nine of the reference (see @burrow/auth-methods). */
export { SUPPORTED_AUTH_METHODS };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface GatewayConfig {
  readonly name: string;
  /** The first of `relayNames` (what a single-relay gateway dials). */
  readonly relayName: string;
  /**
   * Every relay the gateway holds a tunnel to, in the order given, without duplicates (the
   * parser always sets it; absent means just `relayName`).
   */
  readonly relayNames?: readonly string[];
  /** Health and metrics server; undefined = off. */
  readonly metricsListen?: ListenAddress | undefined;
  /** Control plane API base URL, ending in /api. */
  readonly apiUrl: string;
  readonly login: LoginOptions;
  readonly logLevel: LogLevel;
  /** PAM recordings directory (absolute); undefined = the default with its fallback. */
  readonly pamSessionRecordingPath?: string | undefined;
  /** Disk space the local PAM recordings may take before new sessions are refused. */
  readonly pamSessionRecordingMaxBytes?: number;
}

/** A bad setting. The message is one line that names the flag and its environment variable. */
export class ConfigError extends Error {
  readonly setting: GatewaySettingKey | undefined;
  constructor(setting: GatewaySettingKey | undefined, problem: string) {
    super(setting === undefined ? problem : `${settingLabel(setting)}: ${problem}`);
    this.name = 'ConfigError';
    this.setting = setting;
  }
}

export function settingLabel(setting: GatewaySettingKey): string {
  const { flag, env } = GATEWAY_SETTINGS[setting];
  return `${flag} (${env})`;
}

/** Gateway and relay names are slugs of 1-32 characters (reference §5.2). */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_SLUG_LENGTH = 32;

/**
 * Validates the flags and returns the gateway configuration; throws one {@link ConfigError}
 * naming every bad or missing setting, one per line, so a first start lists all it needs at once.
 *
 * @example
 *   resolveGatewayConfig({ positionalName: 'gw-1', domain: 'http://127.0.0.1:8080' },
 *     { INFISICAL_RELAY_NAME: 'edge-1', INFISICAL_TOKEN: token });
 */
export function resolveGatewayConfig(
  flags: GatewayFlags,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig {
  const problems: ConfigError[] = [];
  const check = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
      return undefined;
    }
  };
  const name = check(() =>
    slug('name', nonEmpty(flags.positionalName) ?? nonEmpty(flags.name), 'the argument of start'),
  );
  const relayNames = check(() => parseRelayNames(flags, env));
  const metricsListen = check(() => parseMetricsAddress(flags.metricsListenAddress));
  const apiUrl = check(() => parseApiUrl(nonEmpty(flags.domain) ?? nonEmpty(env.INFISICAL_DOMAIN)));
  const login = check(() => parseLogin(flags, env));
  const logLevel = check(() => parseLogLevel(flags.logLevel));
  const recordingMaxBytes = check(() => parseByteSize(flags.pamSessionRecordingMaxBytes));
  if (problems.length === 1) throw problems[0] as ConfigError;
  if (problems.length > 1)
    throw new ConfigError(undefined, problems.map((problem) => problem.message).join('\n'));
  const recordingPath = nonEmpty(flags.pamSessionRecordingPath);
  return {
    name: name as string,
    relayName: (relayNames as string[])[0] as string,
    relayNames: relayNames as string[],
    ...(metricsListen !== undefined ? { metricsListen } : {}),
    apiUrl: apiUrl as string,
    login: login as LoginOptions,
    logLevel: logLevel as LogLevel,
    pamSessionRecordingMaxBytes: recordingMaxBytes as number,
    ...(recordingPath !== undefined
      ? { pamSessionRecordingPath: path.resolve(recordingPath) }
      : {}),
  };
}

/** Below this no session could record much: a typo (10 instead of 10GiB) more likely than intent. */
const MIN_PAM_SESSION_RECORDING_MAX_BYTES = 1024 ** 2;
const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
};

/** `10GiB`, `500MiB`, `512K` (binary units) or plain bytes; the default when unset. */
export function parseByteSize(text: string | undefined): number {
  const value = nonEmpty(text);
  if (value === undefined) return DEFAULT_PAM_SESSION_RECORDING_MAX_BYTES;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value);
  const unit = match ? BYTE_UNITS[(match[2] as string).toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new ConfigError(
      'pamSessionRecordingMaxBytes',
      `${JSON.stringify(value)} is not a size (write e.g. 10GiB, 500MiB or a number of bytes)`,
    );
  }
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < MIN_PAM_SESSION_RECORDING_MAX_BYTES) {
    throw new ConfigError(
      'pamSessionRecordingMaxBytes',
      `${value} is less than the smallest allowed, 1MiB`,
    );
  }
  return bytes;
}

function parseRelayNames(flags: GatewayFlags, env: NodeJS.ProcessEnv): string[] {
  const relayText =
    nonEmpty(flags.targetRelayName) ?? nonEmpty(flags.relay) ?? nonEmpty(env.INFISICAL_RELAY_NAME);
  return [
    ...new Set(
      (relayText ?? '')
        .split(',')
        .map((part) =>
          slug(
            'targetRelayName',
            relayText === undefined ? undefined : part.trim(),
            '--target-relay-name / --relay (relay auto-selection is not built yet)',
          ),
        ),
    ),
  ];
}

function parseMetricsAddress(value: string | undefined): ListenAddress | undefined {
  const text = nonEmpty(value);
  if (text === undefined) return undefined;
  const parsed = parseObservabilityListenAddress(text);
  if (typeof parsed === 'string')
    throw new ConfigError('metricsListenAddress', `"${text}": ${parsed}`);
  return parsed;
}

/** What talking to the control plane as the gateway's identity takes: where, and how to log in. */
export interface ControlPlaneConfig {
  /** Control plane API base URL, ending in /api. */
  readonly apiUrl: string;
  readonly login: LoginOptions;
}

/**
 * The domain and login settings of `start` alone (for commands that log in as the gateway but
 * serve nothing, e.g. `recordings export`); same flags, environment variables and errors.
 *
 * @example
 *   const { apiUrl, login } = resolveControlPlaneConfig({ domain, token }, process.env);
 */
export function resolveControlPlaneConfig(
  flags: GatewayFlags,
  env: NodeJS.ProcessEnv = process.env,
): ControlPlaneConfig {
  const apiUrl = parseApiUrl(nonEmpty(flags.domain) ?? nonEmpty(env.INFISICAL_DOMAIN));
  return { apiUrl, login: parseLogin(flags, env) };
}

function slug(
  setting: 'name' | 'targetRelayName',
  value: string | undefined,
  hint: string,
): string {
  if (value === undefined) throw new ConfigError(setting, `is required (${hint})`);
  if (value.length > MAX_SLUG_LENGTH || !SLUG.test(value)) {
    throw new ConfigError(
      setting,
      `${JSON.stringify(value)} must be 1-${MAX_SLUG_LENGTH} lowercase letters, digits and single hyphens`,
    );
  }
  return value;
}

function parseApiUrl(value: string | undefined): string {
  if (value === undefined) {
    throw new ConfigError(
      'domain',
      'is required: the control plane URL (or set INFISICAL_DOMAIN), e.g. https://burrow.example.com',
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      'domain',
      `${JSON.stringify(value)} is not a URL (expected http(s)://host[:port])`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('domain', `${JSON.stringify(value)} must use http or https`);
  }
  return normalizeApiUrl(value);
}

function parseLogin(flags: GatewayFlags, env: NodeJS.ProcessEnv): LoginOptions {
  const method = nonEmpty(flags.authMethod);
  if (method !== undefined && !(SUPPORTED_AUTH_METHODS as readonly string[]).includes(method)) {
    throw new ConfigError(
      'authMethod',
      `${JSON.stringify(method)} is not a login method (use one of ${SUPPORTED_AUTH_METHODS.join(', ')})`,
    );
  }
  try {
    // Blank flags count as unset there (pickSetting), as in every other setting here.
    return resolveAuthFromEnv(flags, env);
  } catch (error) {
    // The auth package's messages already name the flag and the environment variable.
    throw new ConfigError(undefined, error instanceof Error ? error.message : String(error));
  }
}

function parseLogLevel(value: string | undefined): LogLevel {
  const level = nonEmpty(value) ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(
      'logLevel',
      `${JSON.stringify(level)} is not one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  return level as LogLevel;
}

function nonEmpty(value: string | undefined): string | undefined {
  const text = value?.trim();
  return text === undefined || text === '' ? undefined : text;
}
