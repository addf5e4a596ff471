import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, nonEmpty } from '@burrow/observability';
import { PlatformClient, routes } from '@burrow/platform-api';
import { parseEnvFile, renderEnvFile } from '@burrow/systemd-install';
import type { AuthFlags } from './auth-flags.ts';

/**
 * How an enrolled gateway or relay gets its resource access token (reference §3.2 "Enrollment",
 * §5.1 step 3, §5.9):
 *
 *   --enroll-method token --token <enrollment token>
 *       POST /api/v3/gateways/token-auth/enroll {token}  |  POST /api/v2/relays/login
 *       {method:"token", token} → {accessToken, gatewayId|relayId}. The answer is kept in the
 *       state file; started again with the same enrollment token (one use only), the stored access
 *       token is used instead of enrolling again.
 *   no --enroll-method, no identity login setting, and INFISICAL_<KIND>_ACCESS_TOKEN in the
 *       environment or the state file → that access token.
 *   --enroll-method aws → refused: not built in Burrow.
 *
 * State file: /etc/infisical/<kind>s/<name>.conf when run as root, else
 * ~/.infisical/<kind>s/<name>.conf (BURROW_ENROLLMENT_STATE_DIR replaces the directory), mode
 * 0600, `KEY=value` lines INFISICAL_<KIND>_ACCESS_TOKEN, _DOMAIN, _ENROLLMENT_TOKEN, _ID. For a
 * gateway it is the same file systemd install writes its settings to: other lines are kept.
 *
 * @example
 *   const credential = resolveResourceCredential('gateway', 'gw-1', flags, process.env);
 *   if (credential) ({ accessToken } = await resourceAccessToken(credential, { apiUrl, headers }));
 */
export type ResourceKind = 'gateway' | 'relay';

export const ENROLL_METHODS = ['token', 'aws'] as const;

export type ResourceCredential =
  | {
      method: 'enrollment-token';
      kind: ResourceKind;
      enrollmentToken: string;
      stateFile: string;
    }
  | { method: 'access-token'; kind: ResourceKind; accessToken: string; resourceId?: string };

/** A setting as the relay's and gateway's settings tables spell it. */
export interface ResourceSetting {
  readonly flag: string;
  readonly value: string;
  readonly env: string;
  readonly help: string;
}

/** The flag and environment variable of --enroll-method, per kind. */
export function enrollMethodSetting(kind: ResourceKind): ResourceSetting {
  return {
    flag: '--enroll-method',
    value: '<method>',
    env: `INFISICAL_${kind.toUpperCase()}_ENROLL_METHOD`,
    help: `enroll this ${kind} with a one-time enrollment token an admin minted (token, with --token <enrollment token>); the access token it gets is kept in the ${kind}'s state file and reused`,
  };
}

/** The flag and environment variable of --gateway-id / --relay-id. */
export function resourceIdSetting(kind: ResourceKind): ResourceSetting {
  return {
    flag: `--${kind}-id`,
    value: '<id>',
    env: `INFISICAL_${kind.toUpperCase()}_ID`,
    help: `ID of the enrolled ${kind} (informational with token enrollment; the access token names it)`,
  };
}

/** The state-file keys (and environment variables) of one kind. */
export function resourceStateKeys(kind: ResourceKind) {
  const prefix = `INFISICAL_${kind.toUpperCase()}`;
  return {
    accessToken: `${prefix}_ACCESS_TOKEN`,
    domain: `${prefix}_DOMAIN`,
    enrollmentToken: `${prefix}_ENROLLMENT_TOKEN`,
    id: `${prefix}_ID`,
  } as const;
}

/** Where the state of `<name>` lives (see the file comment). */
export function resourceStatePath(
  kind: ResourceKind,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const override = nonEmpty(env.BURROW_ENROLLMENT_STATE_DIR);
  const directory =
    override ??
    (process.getuid?.() === 0
      ? `/etc/infisical/${kind}s`
      : path.join(env.HOME ?? os.homedir(), '.infisical', `${kind}s`));
  return path.join(directory, `${name}.conf`);
}

/** What the state file holds, or {} when there is none. */
export function readResourceState(stateFile: string): Record<string, string> {
  try {
    return parseEnvFile(fs.readFileSync(stateFile, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read ${stateFile}: ${(error as Error).message}`, { cause: error });
  }
}

export interface ResourceCredentialFlags extends AuthFlags {
  enrollMethod?: string | undefined;
}

/** The identity login settings besides the token: any of them given chooses the identity path. */
const IDENTITY_LOGIN_KEYS = [
  'authMethod',
  'clientId',
  'clientSecret',
  'machineIdentityId',
  'serviceAccountTokenPath',
  'serviceAccountKeyFilePath',
  'jwt',
] as const satisfies readonly (keyof AuthFlags)[];

/**
 * The enrolled credential the settings ask for, or undefined for the machine identity path;
 * throws a ConfigError naming the setting. Reads the state file (not the network).
 */
export function resolveResourceCredential(
  kind: ResourceKind,
  name: string,
  flags: ResourceCredentialFlags,
  env: NodeJS.ProcessEnv = process.env,
): ResourceCredential | undefined {
  const setting = enrollMethodSetting(kind);
  const method = nonEmpty(flags.enrollMethod);
  const stateFile = resourceStatePath(kind, name, env);
  const keys = resourceStateKeys(kind);
  if (method === 'aws') {
    throw new ConfigError(
      setting,
      'aws is not built in Burrow; enroll with a token (--enroll-method token --token <enrollment token>)',
    );
  }
  if (method !== undefined && method !== 'token') {
    throw new ConfigError(setting, `${JSON.stringify(method)} is not an enroll method (use token)`);
  }
  if (method === 'token') {
    const enrollmentToken = nonEmpty(flags.token);
    if (enrollmentToken === undefined) {
      throw new ConfigError(
        { flag: '--token', env: 'INFISICAL_TOKEN' },
        'is required with --enroll-method token: the enrollment token an admin minted',
      );
    }
    return { method: 'enrollment-token', kind, enrollmentToken, stateFile };
  }
  const identityLoginGiven = IDENTITY_LOGIN_KEYS.some((key) => nonEmpty(flags[key]) !== undefined);
  if (nonEmpty(flags.token) !== undefined || identityLoginGiven) return undefined;
  const accessToken =
    nonEmpty(env[keys.accessToken]) ?? nonEmpty(readResourceState(stateFile)[keys.accessToken]);
  if (accessToken === undefined) return undefined;
  const resourceId = nonEmpty(env[keys.id]);
  return { method: 'access-token', kind, accessToken, ...(resourceId ? { resourceId } : {}) };
}

export interface ResourceAccess {
  accessToken: string;
  resourceId: string | undefined;
  /** `enrolled`: the enrollment token was spent now; `stored`: the state file's token was reused. */
  source: 'enrolled' | 'stored' | 'given';
}

/**
 * The access token of `credential`: given as is, reused from the state file for the same
 * enrollment token, or obtained by enrolling (and then stored, mode 0600).
 */
export async function resourceAccessToken(
  credential: ResourceCredential,
  options: { apiUrl: string; headers?: Readonly<Record<string, string>>; agentVersion?: string },
): Promise<ResourceAccess> {
  if (credential.method === 'access-token') {
    return {
      accessToken: credential.accessToken,
      resourceId: credential.resourceId,
      source: 'given',
    };
  }
  const { kind, enrollmentToken, stateFile } = credential;
  const keys = resourceStateKeys(kind);
  const state = readResourceState(stateFile);
  const stored = nonEmpty(state[keys.accessToken]);
  if (stored !== undefined && state[keys.enrollmentToken] === enrollmentToken) {
    return { accessToken: stored, resourceId: state[keys.id], source: 'stored' };
  }
  const client = new PlatformClient({
    apiUrl: options.apiUrl,
    headers: options.headers ?? {},
    ...(options.agentVersion ? { agentVersion: options.agentVersion } : {}),
  });
  let accessToken: string;
  let resourceId: string;
  if (kind === 'gateway') {
    const answer = await client.call(routes.enrollGateway, { body: { token: enrollmentToken } });
    ({ accessToken, gatewayId: resourceId } = answer);
  } else {
    const answer = await client.call(routes.relayLogin, {
      body: { method: 'token', token: enrollmentToken },
    });
    ({ accessToken, relayId: resourceId } = answer);
  }
  writeResourceState(stateFile, {
    ...state,
    [keys.accessToken]: accessToken,
    [keys.domain]: options.apiUrl,
    [keys.enrollmentToken]: enrollmentToken,
    [keys.id]: resourceId,
  });
  return { accessToken, resourceId, source: 'enrolled' };
}

/** Writes the state file with mode 0600 (a new file replaces the old one in one rename). */
function writeResourceState(stateFile: string, state: Record<string, string>): void {
  fs.mkdirSync(path.dirname(stateFile), { recursive: true, mode: 0o700 });
  const temporary = `${stateFile}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, renderEnvFile(state), { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, stateFile);
}
