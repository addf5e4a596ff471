import { createPrivateKey } from 'node:crypto';
import { decodeOpenSshPrivateKey, encodeOpenSshPrivateKey } from '@burrow/pki';
import { InvalidRequestError } from './errors.ts';
import type { PamResourceType } from './pam-connection-details.ts';

/**
 * How the gateway logs in to an account's target, checked against the resource's type when saved
 * (@burrow/platform-api routes/pam-accounts.ts):
 *
 *   postgres                 a password
 *   ssh, authMethod password     a password
 *   ssh, authMethod public-key   a private key: OpenSSH (`ssh-keygen`'s default) or PEM, not
 *                                passphrase-protected; stored and handed out in OpenSSH format
 *   ssh, authMethod certificate  nothing: each session gets a fresh key pair and a certificate of
 *                                the organization's PAM SSH CA (services/pam-ssh-ca.ts)
 *   http, authMethod basic       a password (the username is the basic-auth user, without ":")
 *   http, authMethod bearer      a token
 *   http, authMethod header      a headerName and a token (its value); sealed as JSON
 *                                {"headerName","token"} (headerNameAndToken reads it back)
 *   kubernetes                   a service-account token (authMethod service-account-token)
 * Tokens and passwords that go into a header may not hold CR, LF or NUL.
 *
 * Refusals name the field, never its value.
 *
 * @example
 *   const login = checkAccountLogin('ssh', { authMethod: 'public-key', privateKey: pem });
 *   login.secret; // OpenSSH private key text, to be sealed
 */
export type PamSshAuthMethod = 'password' | 'public-key' | 'certificate';
export type PamHttpAuthMethod = 'basic' | 'bearer' | 'header';
export type PamAccountAuthMethod = PamSshAuthMethod | PamHttpAuthMethod | 'service-account-token';

/** `authMethod` undefined = postgres (always a password). `secret` '' for certificate. */
export interface PamAccountLogin {
  authMethod: PamAccountAuthMethod | undefined;
  secret: string;
}

export interface PamAccountLoginInput {
  authMethod?: PamAccountAuthMethod | undefined;
  password?: string | undefined;
  privateKey?: string | undefined;
  token?: string | undefined;
  headerName?: string | undefined;
}

/** An RFC 9110 header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function checkAccountLogin(
  resourceType: PamResourceType,
  input: PamAccountLoginInput,
  username = '',
): PamAccountLogin {
  if (resourceType === 'http') return checkHttpLogin(input, username);
  if (resourceType === 'kubernetes') {
    if (input.authMethod !== undefined && input.authMethod !== 'service-account-token') {
      throw new InvalidRequestError(
        'credentials.authMethod of a kubernetes account is service-account-token',
      );
    }
    refuseAny(input, ['password', 'privateKey', 'headerName'], 'a kubernetes account');
    return { authMethod: 'service-account-token', secret: headerSafe(input.token, 'token') };
  }
  refuseAny(input, ['token', 'headerName'], `a ${resourceType} account`);
  if (resourceType === 'postgres') {
    if (input.authMethod !== undefined || input.privateKey !== undefined) {
      throw new InvalidRequestError(
        'credentials.authMethod and credentials.privateKey are settings of ssh accounts; a postgres account takes a password',
      );
    }
    if (input.password === undefined) {
      throw new InvalidRequestError('credentials.password is required for a postgres account');
    }
    return { authMethod: undefined, secret: input.password };
  }
  switch (input.authMethod) {
    case 'password':
      refuse(input, 'privateKey', 'password');
      if (input.password === undefined) {
        throw new InvalidRequestError('credentials.password is required for authMethod password');
      }
      return { authMethod: 'password', secret: input.password };
    case 'public-key':
      refuse(input, 'password', 'public-key');
      if (input.privateKey === undefined) {
        throw new InvalidRequestError(
          'credentials.privateKey is required for authMethod public-key',
        );
      }
      return { authMethod: 'public-key', secret: openSshPrivateKey(input.privateKey) };
    case 'certificate':
      refuse(input, 'password', 'certificate');
      refuse(input, 'privateKey', 'certificate');
      return { authMethod: 'certificate', secret: '' };
    default:
      throw new InvalidRequestError(
        'credentials.authMethod is required for an ssh account: password, public-key or certificate',
      );
  }
}

function checkHttpLogin(input: PamAccountLoginInput, username: string): PamAccountLogin {
  switch (input.authMethod) {
    case 'basic':
      refuseAny(input, ['privateKey', 'token', 'headerName'], 'authMethod basic');
      if (username.includes(':')) {
        throw new InvalidRequestError('credentials.username may not contain ":" for basic auth');
      }
      return { authMethod: 'basic', secret: headerSafe(input.password, 'password') };
    case 'bearer':
      refuseAny(input, ['privateKey', 'password', 'headerName'], 'authMethod bearer');
      return { authMethod: 'bearer', secret: headerSafe(input.token, 'token') };
    case 'header': {
      refuseAny(input, ['privateKey', 'password'], 'authMethod header');
      const headerName = input.headerName;
      if (headerName === undefined || !HEADER_NAME.test(headerName)) {
        throw new InvalidRequestError(
          'credentials.headerName is required for authMethod header and must be a header name (e.g. X-Api-Key)',
        );
      }
      const token = headerSafe(input.token, 'token');
      return { authMethod: 'header', secret: JSON.stringify({ headerName, token }) };
    }
    default:
      throw new InvalidRequestError(
        'credentials.authMethod is required for an http account: basic, bearer or header',
      );
  }
}

/** The header name and token of an http account with authMethod header. */
export function headerNameAndToken(secret: string): { headerName: string; token: string } {
  return JSON.parse(secret) as { headerName: string; token: string };
}

function headerSafe(value: string | undefined, field: string): string {
  if (value === undefined) throw new InvalidRequestError(`credentials.${field} is required`);
  if (/[\r\n\0]/.test(value)) {
    throw new InvalidRequestError(`credentials.${field} may not contain a line break`);
  }
  return value;
}

function refuseAny(
  input: PamAccountLoginInput,
  fields: readonly (keyof PamAccountLoginInput)[],
  what: string,
): void {
  const present = fields.filter((field) => input[field] !== undefined);
  if (present.length > 0) {
    throw new InvalidRequestError(
      `credentials.${present.join(', ')} ${present.length > 1 ? 'are' : 'is'} not used by ${what}`,
    );
  }
}

function refuse(
  input: PamAccountLoginInput,
  field: 'password' | 'privateKey',
  authMethod: PamSshAuthMethod,
): void {
  if (input[field] !== undefined) {
    throw new InvalidRequestError(`credentials.${field} is not used with authMethod ${authMethod}`);
  }
}

/** The key in OpenSSH format; a PEM key is converted. Errors never quote the key. */
function openSshPrivateKey(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----')) {
    try {
      decodeOpenSshPrivateKey(trimmed);
    } catch (error) {
      throw new InvalidRequestError(
        `credentials.privateKey is not a usable OpenSSH private key: ${(error as Error).message}`,
      );
    }
    return `${trimmed}\n`;
  }
  let key;
  try {
    key = createPrivateKey({ key: trimmed, format: 'pem' });
  } catch {
    throw new InvalidRequestError(
      'credentials.privateKey is neither an OpenSSH nor an unencrypted PEM private key',
    );
  }
  try {
    return encodeOpenSshPrivateKey(key);
  } catch (error) {
    throw new InvalidRequestError(
      `credentials.privateKey has a key type SSH cannot use here: ${(error as Error).message}`,
    );
  }
}
