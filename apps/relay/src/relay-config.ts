/**
 * The configuration of `burrow-relay start`: flags and environment variables of the reference's
 * `infisical relay start` (§3.6), plus Burrow's listen-address overrides. Parsing is pure, so every
 * way a setting can be wrong is one unit test; a wrong setting becomes one {@link ConfigError}
 * (@burrow/observability) whose message names the flag and its environment variable.
 *
 * The control plane's address (--domain > INFISICAL_DOMAIN > INFISICAL_API_URL) and
 * INFISICAL_CUSTOM_HEADERS are read as gateway and access CLI read them (@burrow/auth-methods'
 * control-plane-settings).
 */
import type { LoginOptions, ResourceCredential } from '@burrow/auth-methods';
import {
  DOMAIN_SETTING,
  enrollMethodSetting,
  LOGIN_SETTINGS,
  resolveResourceCredential,
  resourceIdSetting,
  resolveApiUrl,
  resolveAuthFromEnv,
  resolveCustomHeaders,
} from '@burrow/auth-methods';
import type { ListenAddress, LogLevel } from '@burrow/observability';
import {
  ConfigError,
  ConfigProblems,
  nonEmpty,
  parseListenSetting,
  parseLogLevel,
  parseMetricsListenSetting,
  settingLabel,
} from '@burrow/observability';
import { RELAY_SSH_PORT, RELAY_TLS_PORT } from '@burrow/tunnel-protocol';

/** Every setting: its flag, value placeholder, environment variable, and the line `--help` shows. */
export const RELAY_SETTINGS = {
  type: {
    flag: '--type',
    value: '<type>',
    env: 'INFISICAL_RELAY_TYPE',
    help: 'relay type: org or instance',
  },
  host: {
    flag: '--host',
    value: '<host>',
    env: 'INFISICAL_RELAY_HOST',
    help: 'public host name or IP of this relay, as gateways and callers dial it (required, except for an enrolled relay: the admin set it)',
  },
  name: {
    flag: '--name',
    value: '<name>',
    env: 'INFISICAL_RELAY_NAME',
    help: 'relay name, a slug (required)',
  },
  domain: DOMAIN_SETTING,
  authMethod: {
    flag: '--auth-method',
    value: '<method>',
    env: 'INFISICAL_AUTH_METHOD',
    help: 'machine identity login method for org relays: universal-auth, token, kubernetes, aws-iam, gcp-id-token, gcp-iam, azure, oidc-auth or jwt-auth (default: token when a token is given, else universal-auth)',
  },
  token: {
    ...LOGIN_SETTINGS.token,
    help: 'machine identity access token (auth method "token"), or with --enroll-method token the enrollment token',
  },
  enrollMethod: enrollMethodSetting('relay'),
  relayId: resourceIdSetting('relay'),
  clientId: LOGIN_SETTINGS.clientId,
  clientSecret: LOGIN_SETTINGS.clientSecret,
  machineIdentityId: LOGIN_SETTINGS.machineIdentityId,
  serviceAccountTokenPath: LOGIN_SETTINGS.serviceAccountTokenPath,
  serviceAccountKeyFilePath: LOGIN_SETTINGS.serviceAccountKeyFilePath,
  jwt: LOGIN_SETTINGS.jwt,
  relayAuthSecret: {
    flag: '--relay-auth-secret',
    value: '<secret>',
    env: 'INFISICAL_RELAY_AUTH_SECRET',
    help: 'shared secret that registers an instance relay (required with --type instance)',
  },
  sshListenAddress: {
    flag: '--ssh-listen-address',
    value: '<host:port>',
    env: 'BURROW_RELAY_SSH_LISTEN_ADDRESS',
    help: 'where gateways connect over SSH, host:port',
  },
  tlsListenAddress: {
    flag: '--tls-listen-address',
    value: '<host:port>',
    env: 'BURROW_RELAY_TLS_LISTEN_ADDRESS',
    help: 'where callers connect over TLS, host:port',
  },
  metricsListenAddress: {
    flag: '--metrics-listen-address',
    value: '<host:port>',
    env: 'BURROW_RELAY_METRICS_LISTEN_ADDRESS',
    help: 'serve /healthz, /readyz and Prometheus /metrics here, host:port (off when unset; :port means 127.0.0.1)',
  },
  logLevel: {
    flag: '--log-level',
    value: '<level>',
    env: 'BURROW_LOG_LEVEL',
    help: 'pino log level: fatal, error, warn, info, debug, trace or silent',
  },
} as const;

export type RelaySettingKey = keyof typeof RELAY_SETTINGS;

/**
 * Values as they come from the command line (commander already folded in the env vars), except
 * `domain`: only what was typed, since INFISICAL_DOMAIN beats INFISICAL_API_URL (read from `env`).
 */
export type RelayFlags = Partial<Record<RelaySettingKey, string>>;

export const RELAY_TYPES = ['org', 'instance'] as const;
export type RelayType = (typeof RELAY_TYPES)[number];

export const DEFAULT_SSH_LISTEN_ADDRESS = `0.0.0.0:${RELAY_SSH_PORT}`;
export const DEFAULT_TLS_LISTEN_ADDRESS = `0.0.0.0:${RELAY_TLS_PORT}`;

/** How this relay proves itself to the control plane when it registers and heartbeats. */
export type RelayAuth =
  | { kind: 'machine-identity'; login: LoginOptions }
  | { kind: 'relay-auth-secret'; secret: string }
  /** An enrolled relay (an admin created it): its resource access token, or how to get one. */
  | { kind: 'resource-token'; credential: ResourceCredential };

export interface RelayConfig {
  readonly type: RelayType;
  /** Undefined only for an enrolled relay, whose host the admin set. */
  readonly host: string | undefined;
  readonly name: string;
  /** Control plane API base URL, ending in /api. */
  readonly apiUrl: string;
  /**
   * INFISICAL_CUSTOM_HEADERS, sent on every control plane request; may hold secrets, never logged
   * (the parser always sets it; absent means none).
   */
  readonly customHeaders?: Readonly<Record<string, string>>;
  readonly auth: RelayAuth;
  readonly sshListen: ListenAddress;
  readonly tlsListen: ListenAddress;
  /** Health and metrics server; undefined = off. */
  readonly metricsListen?: ListenAddress | undefined;
  readonly logLevel: LogLevel;
}

/** Relay names are slugs, 1-32 characters, like the reference's `slugSchema({ max: 32 })`. */
const RELAY_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_RELAY_NAME_LENGTH = 32;

/** A host name or IP address: no scheme, path, port, user info or whitespace. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$|^[0-9a-fA-F:.]+$/;

/**
 * Validates the flags (and, for settings commander does not map, the environment) and returns the
 * relay configuration; throws one {@link ConfigError} naming every bad or missing setting, one per
 * line, so a first start with nothing set lists all it needs at once.
 *
 * @example
 *   parseRelayConfig({ host: 'relay.example.com', name: 'edge-1', domain: 'https://cp', token: t }, {});
 */
export function parseRelayConfig(
  flags: RelayFlags,
  env: NodeJS.ProcessEnv = process.env,
): RelayConfig {
  const problems = new ConfigProblems();
  const type = problems.check(() => parseRelayType(flags.type));
  // The enrolled relay's state file is named after the relay: a bad name is reported below.
  const validName = nonEmpty(flags.name) && RELAY_NAME.test(flags.name as string) ? flags.name : '';
  const credential =
    type === 'org' && validName
      ? problems.check(() => enrolledCredential(validName, flags, env))
      : problems.check(() => refuseEnrollment(flags));
  // Enrolling (even with a bad enroll setting, reported above): no host or identity needed.
  const enrolled = credential !== undefined || nonEmpty(flags.enrollMethod) !== undefined;
  const host =
    enrolled && nonEmpty(flags.host) === undefined
      ? undefined
      : problems.check(() => parseHost(flags.host));
  const name = problems.check(() => parseName(flags.name));
  const apiUrl = problems.check(() => resolveApiUrl(flags.domain, env));
  const customHeaders = problems.check(() => resolveCustomHeaders(env));
  const listen = problems.check(() => parseListenAddresses(flags));
  const metricsListen = problems.check(() =>
    parseMetricsListenSetting(RELAY_SETTINGS.metricsListenAddress, flags.metricsListenAddress),
  );
  const logLevel = problems.check(() => parseLogLevel(RELAY_SETTINGS.logLevel, flags.logLevel));
  const auth =
    type === undefined
      ? undefined
      : credential !== undefined
        ? ({ kind: 'resource-token', credential } as const)
        : enrolled
          ? undefined
          : problems.check(() =>
              type === 'instance' ? instanceAuth(flags) : machineIdentityAuth(flags, env),
            );
  problems.throwIfAny();
  return {
    type: type as RelayType,
    host,
    name: name as string,
    apiUrl: apiUrl as string,
    customHeaders: customHeaders as Record<string, string>,
    auth: auth as RelayAuth,
    sshListen: (listen as { ssh: ListenAddress }).ssh,
    tlsListen: (listen as { tls: ListenAddress }).tls,
    metricsListen,
    logLevel: logLevel as LogLevel,
  };
}

function parseHost(value: string | undefined): string {
  const host = required('host', value);
  if (!HOST.test(host)) {
    throw new ConfigError(
      RELAY_SETTINGS.host,
      `"${host}" is not a host name or IP address (no scheme, port or path)`,
    );
  }
  return host;
}

function parseName(value: string | undefined): string {
  const name = required('name', value);
  if (name.length > MAX_RELAY_NAME_LENGTH || !RELAY_NAME.test(name)) {
    throw new ConfigError(
      RELAY_SETTINGS.name,
      `"${name}" must be 1-${MAX_RELAY_NAME_LENGTH} lowercase letters, digits and single hyphens`,
    );
  }
  return name;
}

function parseListenAddresses(flags: RelayFlags): { ssh: ListenAddress; tls: ListenAddress } {
  const ssh = parseListenSetting(
    RELAY_SETTINGS.sshListenAddress,
    flags.sshListenAddress,
    DEFAULT_SSH_LISTEN_ADDRESS,
  );
  const tls = parseListenSetting(
    RELAY_SETTINGS.tlsListenAddress,
    flags.tlsListenAddress,
    DEFAULT_TLS_LISTEN_ADDRESS,
  );
  if (ssh.host === tls.host && ssh.port === tls.port) {
    throw new ConfigError(
      RELAY_SETTINGS.tlsListenAddress,
      `must differ from ${settingLabel(RELAY_SETTINGS.sshListenAddress)} (both are ${ssh.host}:${ssh.port})`,
    );
  }
  return { ssh, tls };
}

function parseRelayType(value: string | undefined): RelayType {
  const type = nonEmpty(value) ?? 'org';
  if (!(RELAY_TYPES as readonly string[]).includes(type)) {
    throw new ConfigError(
      RELAY_SETTINGS.type,
      `"${type}" is not a relay type (use org or instance)`,
    );
  }
  return type as RelayType;
}

function enrolledCredential(
  name: string,
  flags: RelayFlags,
  env: NodeJS.ProcessEnv,
): ResourceCredential | undefined {
  return resolveResourceCredential('relay', name, flags, env);
}

/** An instance relay (or one without a valid type or name) cannot enroll. */
function refuseEnrollment(flags: RelayFlags): undefined {
  if (nonEmpty(flags.enrollMethod) !== undefined && nonEmpty(flags.type) === 'instance') {
    throw new ConfigError(
      RELAY_SETTINGS.enrollMethod,
      'only org relays enroll (an instance relay uses --relay-auth-secret)',
    );
  }
  return undefined;
}

function instanceAuth(flags: RelayFlags): RelayAuth {
  const secret = nonEmpty(flags.relayAuthSecret);
  if (secret === undefined) {
    throw new ConfigError(
      RELAY_SETTINGS.relayAuthSecret,
      'is required for an instance relay (--type instance)',
    );
  }
  return { kind: 'relay-auth-secret', secret };
}

function machineIdentityAuth(flags: RelayFlags, env: NodeJS.ProcessEnv): RelayAuth {
  // resolveAuthFromEnv names the missing setting of the chosen method; the methods' own sources
  // (AWS_*, BURROW_GCP_METADATA_URL, BURROW_AZURE_IMDS_URL, ...) come from `env`.
  // Blank flags count as unset there (pickSetting), as nonEmpty does here; its errors are ConfigErrors.
  return { kind: 'machine-identity', login: resolveAuthFromEnv(flags, env) };
}

function required(setting: RelaySettingKey, value: string | undefined): string {
  const text = nonEmpty(value);
  if (text === undefined) throw new ConfigError(RELAY_SETTINGS[setting], 'is required');
  return text;
}
