import path from 'node:path';
import {
  identityProviderEndpointsFromEnv,
  type IdentityProviderEndpoints,
} from '@burrow/auth-methods';
import { LOG_LEVELS, type LogLevel } from '@burrow/observability';
import { DEFAULT_KEY_ALGORITHM, type KeyAlgorithm, type SshKeyType } from '@burrow/pki';
import { ConfigError } from './config-error.ts';

/**
 * Everything `burrow-control-plane serve` needs, resolved from flags and environment variables
 * (flags win). Each setting is validated here so a bad one stops the server at start with one
 * line naming it.
 *
 * | setting            | flag           | env                    | default     |
 * |--------------------|----------------|------------------------|-------------|
 * | listen host        | --host         | BURROW_HOST            | 127.0.0.1   |
 * | listen port        | --port         | BURROW_PORT            | 8080        |
 * | data directory     | --data-dir     | BURROW_DATA_DIR        | ./.burrow   |
 * | log level          | --log-level    | BURROW_LOG_LEVEL       | info        |
 * | root key           | –              | ENCRYPTION_KEY         | <data-dir>/root.key |
 * | instance relay key | –              | RELAY_AUTH_SECRET      | (instance relays disabled) |
 * | key algorithm      | –              | BURROW_KEY_ALGORITHM   | ecdsa-p256  |
 * | SSH key algorithm  | –              | BURROW_SSH_KEY_ALGORITHM | ed25519 (rsa-2048 if the key algorithm is) |
 * | Google ID token keys | –            | BURROW_GCP_ID_TOKEN_JWKS_URL | https://www.googleapis.com/oauth2/v3/certs |
 * | service account keys | –            | BURROW_GCP_SERVICE_ACCOUNT_JWKS_URL | https://www.googleapis.com/service_accounts/v1/metadata/jwk/{email} |
 * | Entra ID base URL  | –              | BURROW_AZURE_LOGIN_URL | https://login.microsoftonline.com |
 * | refuse private IdP addresses | –    | BURROW_REFUSE_PRIVATE_IDP_ADDRESSES | false (admin-set IdP URLs are trusted) |
 */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  logLevel: LogLevel;
  /** 32-byte root key from ENCRYPTION_KEY; undefined = use/generate <dataDir>/root.key. */
  encryptionKey: Buffer | undefined;
  /** Shared secret instance relays present; undefined = instance relay registration refused. */
  relayAuthSecret: string | undefined;
  keyAlgorithm: KeyAlgorithm;
  sshKeyType: SshKeyType;
  /** Where Google's and Microsoft's public keys are fetched from (login methods). */
  identityProviders: IdentityProviderEndpoints;
  /**
   * Refuse identity-provider requests (OIDC discovery, JWKS, Kubernetes TokenReview, STS) to
   * private address ranges; admin-set URLs are trusted otherwise.
   */
  refusePrivateIdpAddresses: boolean;
}

/** pino's levels, as relay and gateway take them (@burrow/observability). */
export type { LogLevel };

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_DATA_DIR = './.burrow';

/** Key algorithms a deployment may choose for CAs and certificates. */
const KEY_ALGORITHMS: Record<string, KeyAlgorithm> = {
  'ecdsa-p256': 'ecdsa-p256',
  'rsa-2048': 'rsa-2048',
};

export interface ServerConfigInput {
  host?: string | undefined;
  port?: string | number | undefined;
  dataDir?: string | undefined;
  logLevel?: string | undefined;
}

export function resolveServerConfig(
  input: ServerConfigInput,
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const host = input.host ?? env.BURROW_HOST ?? DEFAULT_HOST;
  if (host.trim() === '') throw new ConfigError('--host / BURROW_HOST', 'must not be empty');
  const keyAlgorithm = parseKeyAlgorithm(env.BURROW_KEY_ALGORITHM);
  return {
    host,
    port: parsePort(input.port ?? env.BURROW_PORT ?? DEFAULT_PORT),
    dataDir: path.resolve(input.dataDir ?? env.BURROW_DATA_DIR ?? DEFAULT_DATA_DIR),
    logLevel: parseLogLevel(input.logLevel ?? env.BURROW_LOG_LEVEL ?? 'info'),
    encryptionKey: parseEncryptionKey(env.ENCRYPTION_KEY),
    relayAuthSecret: parseRelayAuthSecret(env.RELAY_AUTH_SECRET),
    keyAlgorithm,
    sshKeyType: parseSshKeyType(env.BURROW_SSH_KEY_ALGORITHM, keyAlgorithm),
    identityProviders: identityProviderEndpointsFromEnv(env),
    refusePrivateIdpAddresses: parseBoolean(
      'BURROW_REFUSE_PRIVATE_IDP_ADDRESSES',
      env.BURROW_REFUSE_PRIVATE_IDP_ADDRESSES,
    ),
  };
}

function parseBoolean(name: string, value: string | undefined): boolean {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw new ConfigError(name, `must be true or false, got "${value}"`);
}

function parsePort(value: string | number): number {
  const port = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || String(value).trim() === '') {
    throw new ConfigError('--port / BURROW_PORT', `must be a port number 0-65535, got "${value}"`);
  }
  return port;
}

function parseLogLevel(value: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError(
      '--log-level / BURROW_LOG_LEVEL',
      `must be one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  return value as LogLevel;
}

/** ENCRYPTION_KEY: 32 bytes as 64 hex characters or as base64. */
export function parseEncryptionKey(value: string | undefined): Buffer | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) key = Buffer.from(text, 'base64');
  if (key?.length !== 32) {
    throw new ConfigError('ENCRYPTION_KEY', 'must be 32 bytes, as 64 hex characters or base64');
  }
  return key;
}

/** Instance relays authenticate with this; too short a secret is a configuration error. */
const MIN_RELAY_AUTH_SECRET_LENGTH = 16;

function parseRelayAuthSecret(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length < MIN_RELAY_AUTH_SECRET_LENGTH) {
    throw new ConfigError(
      'RELAY_AUTH_SECRET',
      `must be at least ${MIN_RELAY_AUTH_SECRET_LENGTH} characters`,
    );
  }
  return value;
}

function parseKeyAlgorithm(value: string | undefined): KeyAlgorithm {
  if (value === undefined || value === '') return DEFAULT_KEY_ALGORITHM;
  const algorithm = KEY_ALGORITHMS[value];
  if (!algorithm) {
    throw new ConfigError(
      'BURROW_KEY_ALGORITHM',
      `must be one of ${Object.keys(KEY_ALGORITHMS).join(', ')}, got "${value}"`,
    );
  }
  return algorithm;
}

const SSH_KEY_TYPES: readonly SshKeyType[] = ['ed25519', 'ecdsa-p256', 'rsa-2048'];

function parseSshKeyType(value: string | undefined, keyAlgorithm: KeyAlgorithm): SshKeyType {
  if (value === undefined || value === '')
    return keyAlgorithm === 'rsa-2048' ? 'rsa-2048' : 'ed25519';
  if (!(SSH_KEY_TYPES as readonly string[]).includes(value)) {
    throw new ConfigError(
      'BURROW_SSH_KEY_ALGORITHM',
      `must be one of ${SSH_KEY_TYPES.join(', ')}, got "${value}"`,
    );
  }
  return value as SshKeyType;
}
