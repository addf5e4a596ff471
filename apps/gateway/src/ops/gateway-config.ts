/**
 * The configuration of `burrow-gateway start <name>`: the flags and environment variables of the
 * reference's `infisical gateway start` (§5.1, §5.9) that Burrow builds today.
 *
 * Precedence (reference §5.1):
 *   name   positional argument > --name > INFISICAL_GATEWAY_NAME            (required)
 *   relay  --target-relay-name > --relay > INFISICAL_RELAY_NAME             (none: the gateway
 *          selects a relay itself and fails over between relays, tunnel/relay-selection.ts).
 *          A comma-separated list (`edge-1,edge-2`) makes the gateway hold a live tunnel to
 *          each of those relays at once (Burrow HA; the reference takes one name).
 *   metrics --metrics-listen-address > BURROW_GATEWAY_METRICS_LISTEN_ADDRESS  (off when unset)
 *   domain --domain > INFISICAL_DOMAIN > INFISICAL_API_URL                  (required)
 *   headers INFISICAL_CUSTOM_HEADERS (no flag), sent on every control plane request
 *   login  --auth-method / --token / --client-id / --client-secret / --organization-slug /
 *          --machine-identity-id / --service-account-token-path / --service-account-key-file-path /
 *          --jwt and their environment variables, resolved by @burrow/auth-methods (all nine
 *          methods of the reference)
 *   enrolled --enroll-method token --token <enrollment token> (INFISICAL_GATEWAY_ENROLL_METHOD),
 *          or, with no identity login setting, INFISICAL_GATEWAY_ACCESS_TOKEN from the
 *          environment or the gateway's state file (@burrow/auth-methods resource-enrollment.ts):
 *          the gateway then acts with its gateway access token instead of a machine identity
 *
 * Parsing is pure: the flags come in with commander's environment fallback already applied, and
 * the few settings commander cannot map come from `env`. A bad setting becomes one
 * {@link ConfigError} (@burrow/observability) whose one-line message names the flag and its
 * environment variable. Domain and custom headers are read as the relay and the access CLI read
 * them (@burrow/auth-methods' control-plane-settings).
 */
import path from 'node:path';
import { DEFAULT_PAM_SESSION_RECORDING_MAX_BYTES } from '../pam/recording-storage.ts';
import type { AuthFlags, LoginOptions, ResourceCredential } from '@burrow/auth-methods';
import {
  DOMAIN_SETTING,
  enrollMethodSetting,
  LOGIN_SETTINGS,
  resolveResourceCredential,
  resourceIdSetting,
  resolveApiUrl,
  resolveAuthFromEnv,
  resolveCustomHeaders,
  SUPPORTED_AUTH_METHODS,
} from '@burrow/auth-methods';
import type { ListenAddress, LogLevel } from '@burrow/observability';
import {
  ConfigError,
  ConfigProblems,
  nonEmpty,
  parseLogLevel,
  parseMetricsListenSetting,
} from '@burrow/observability';

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
    help: 'name of the relay to dial out to, or several comma-separated (a tunnel to each at once, for HA); none: the gateway selects the fastest healthy relay itself and fails over to another when it is lost',
  },
  relay: {
    flag: '--relay',
    env: 'INFISICAL_RELAY_NAME',
    help: 'alias of --target-relay-name (which wins when both are given)',
  },
  domain: DOMAIN_SETTING,
  authMethod: LOGIN_SETTINGS.authMethod,
  token: {
    ...LOGIN_SETTINGS.token,
    help: 'machine identity access token (auth method "token"), or with --enroll-method token the enrollment token',
  },
  enrollMethod: enrollMethodSetting('gateway'),
  gatewayId: resourceIdSetting('gateway'),
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
 * except for `relay`/`targetRelayName`, which share INFISICAL_RELAY_NAME, and `domain`, which
 * INFISICAL_DOMAIN beats: those carry only what was typed on the command line, and the
 * environment variables come from `env`. The login flags are @burrow/auth-methods' AuthFlags.
 */
export interface GatewayFlags extends AuthFlags {
  /** The positional argument of `start`. */
  positionalName?: string | undefined;
  name?: string | undefined;
  targetRelayName?: string | undefined;
  relay?: string | undefined;
  domain?: string | undefined;
  enrollMethod?: string | undefined;
  gatewayId?: string | undefined;
  pamSessionRecordingPath?: string | undefined;
  pamSessionRecordingMaxBytes?: string | undefined;
  metricsListenAddress?: string | undefined;
  logLevel?: string | undefined;
}

/** Login methods this gateway accepts: all nine of the reference (see @burrow/auth-methods). */
export { SUPPORTED_AUTH_METHODS };

export interface GatewayConfig {
  readonly name: string;
  /** The first of `relayNames` (what a single-relay gateway dials); undefined: auto-select. */
  readonly relayName?: string | undefined;
  /**
   * Every relay the gateway holds a tunnel to, in the order given, without duplicates (the
   * parser always sets it; absent means just `relayName`). Empty: the gateway selects one relay
   * itself and fails over between relays (reference §5.8).
   */
  readonly relayNames?: readonly string[];
  /** Health and metrics server; undefined = off. */
  readonly metricsListen?: ListenAddress | undefined;
  /** Control plane API base URL, ending in /api. */
  readonly apiUrl: string;
  /**
   * INFISICAL_CUSTOM_HEADERS, sent on every control plane request; may hold secrets, never logged
   * (the parser always sets it; absent means none).
   */
  readonly customHeaders?: Readonly<Record<string, string>>;
  /**
   * The machine identity login, or for an enrolled gateway its gateway access token or how to
   * get one (`method` enrollment-token / access-token).
   */
  readonly login: LoginOptions | ResourceCredential;
  readonly logLevel: LogLevel;
  /** PAM recordings directory (absolute); undefined = the default with its fallback. */
  readonly pamSessionRecordingPath?: string | undefined;
  /** Disk space the local PAM recordings may take before new sessions are refused. */
  readonly pamSessionRecordingMaxBytes?: number;
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
  const problems = new ConfigProblems();
  const name = problems.check(() =>
    slug('name', nonEmpty(flags.positionalName) ?? nonEmpty(flags.name), 'the argument of start'),
  );
  const relayNames = problems.check(() => parseRelayNames(flags, env));
  const metricsListen = problems.check(() =>
    parseMetricsListenSetting(GATEWAY_SETTINGS.metricsListenAddress, flags.metricsListenAddress),
  );
  const apiUrl = problems.check(() => resolveApiUrl(flags.domain, env));
  const customHeaders = problems.check(() => resolveCustomHeaders(env));
  const enrollment =
    name === undefined ? undefined : problems.check(() => enrolledCredential(name, flags, env));
  // Enrolling (even with a bad enroll setting, reported above): no identity login needed.
  const enrolling = enrollment !== undefined || nonEmpty(flags.enrollMethod) !== undefined;
  const login = enrolling ? enrollment : problems.check(() => parseLogin(flags, env));
  const logLevel = problems.check(() => parseLogLevel(GATEWAY_SETTINGS.logLevel, flags.logLevel));
  const recordingMaxBytes = problems.check(() => parseByteSize(flags.pamSessionRecordingMaxBytes));
  problems.throwIfAny();
  const recordingPath = nonEmpty(flags.pamSessionRecordingPath);
  return {
    name: name as string,
    relayName: (relayNames as string[])[0],
    relayNames: relayNames as string[],
    ...(metricsListen !== undefined ? { metricsListen } : {}),
    apiUrl: apiUrl as string,
    customHeaders: customHeaders as Record<string, string>,
    login: login as LoginOptions | ResourceCredential,
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
      GATEWAY_SETTINGS.pamSessionRecordingMaxBytes,
      `${JSON.stringify(value)} is not a size (write e.g. 10GiB, 500MiB or a number of bytes)`,
    );
  }
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < MIN_PAM_SESSION_RECORDING_MAX_BYTES) {
    throw new ConfigError(
      GATEWAY_SETTINGS.pamSessionRecordingMaxBytes,
      `${value} is less than the smallest allowed, 1MiB`,
    );
  }
  return bytes;
}

function parseRelayNames(flags: GatewayFlags, env: NodeJS.ProcessEnv): string[] {
  const relayText =
    nonEmpty(flags.targetRelayName) ?? nonEmpty(flags.relay) ?? nonEmpty(env.INFISICAL_RELAY_NAME);
  if (relayText === undefined) return []; // auto-selection
  return [
    ...new Set(
      relayText
        .split(',')
        .map((part) => slug('targetRelayName', part.trim(), '--target-relay-name / --relay')),
    ),
  ];
}

/** What talking to the control plane as the gateway's identity takes: where, and how to log in. */
export interface ControlPlaneConfig {
  /** Control plane API base URL, ending in /api. */
  readonly apiUrl: string;
  /** INFISICAL_CUSTOM_HEADERS (may hold secrets, never logged). */
  readonly customHeaders: Readonly<Record<string, string>>;
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
  const problems = new ConfigProblems();
  const apiUrl = problems.check(() => resolveApiUrl(flags.domain, env));
  const customHeaders = problems.check(() => resolveCustomHeaders(env));
  const login = problems.check(() => parseLogin(flags, env));
  problems.throwIfAny();
  return {
    apiUrl: apiUrl as string,
    customHeaders: customHeaders as Record<string, string>,
    login: login as LoginOptions,
  };
}

function slug(
  setting: 'name' | 'targetRelayName',
  value: string | undefined,
  hint: string,
): string {
  if (value === undefined)
    throw new ConfigError(GATEWAY_SETTINGS[setting], `is required (${hint})`);
  if (value.length > MAX_SLUG_LENGTH || !SLUG.test(value)) {
    throw new ConfigError(
      GATEWAY_SETTINGS[setting],
      `${JSON.stringify(value)} must be 1-${MAX_SLUG_LENGTH} lowercase letters, digits and single hyphens`,
    );
  }
  return value;
}

function enrolledCredential(
  name: string,
  flags: GatewayFlags,
  env: NodeJS.ProcessEnv,
): ResourceCredential | undefined {
  return resolveResourceCredential('gateway', name, flags, env);
}

function parseLogin(flags: GatewayFlags, env: NodeJS.ProcessEnv): LoginOptions {
  const method = nonEmpty(flags.authMethod);
  if (method !== undefined && !(SUPPORTED_AUTH_METHODS as readonly string[]).includes(method)) {
    throw new ConfigError(
      GATEWAY_SETTINGS.authMethod,
      `${JSON.stringify(method)} is not a login method (use one of ${SUPPORTED_AUTH_METHODS.join(', ')})`,
    );
  }
  // The auth package's ConfigErrors name the flag and the environment variable; blank flags
  // count as unset there (pickSetting), as in every other setting here.
  return resolveAuthFromEnv(flags, env);
}
