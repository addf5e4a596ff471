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
 *
 * Refusals name the field, never its value.
 *
 * @example
 *   const login = checkAccountLogin('ssh', { authMethod: 'public-key', privateKey: pem });
 *   login.secret; // OpenSSH private key text, to be sealed
 */
export type PamSshAuthMethod = 'password' | 'public-key' | 'certificate';

/** `authMethod` undefined = postgres (always a password). `secret` '' for certificate. */
export interface PamAccountLogin {
  authMethod: PamSshAuthMethod | undefined;
  secret: string;
}

export interface PamAccountLoginInput {
  authMethod?: PamSshAuthMethod | undefined;
  password?: string | undefined;
  privateKey?: string | undefined;
}

export function checkAccountLogin(
  resourceType: PamResourceType,
  input: PamAccountLoginInput,
): PamAccountLogin {
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
