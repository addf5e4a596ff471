/**
 * An SSH account's stored credentials, as the control plane sends them in
 * `GET /api/v1/pam/sessions/:id/credentials` (SSH-CONTRACT.md, platform-api PamSshCredentials):
 *
 *   {host, port, username, authMethod: "password" | "public-key" | "certificate",
 *    password? (password), privateKey? (public-key, certificate; OpenSSH or PEM),
 *    certificate? (certificate: a user certificate line for privateKey),
 *    hostKeys?: ["ssh-ed25519 AAAA…"], hostCertificateAuthorities?: ["ssh-ed25519 AAAA…"]}
 *
 * At least one pinned host key or host CA is required: the gateway never trusts a target on first
 * use. Checked field by field; an error names the field and never quotes a value (the private key
 * is parsed here, so a broken one refuses the session before anything is dialled).
 */
import type { SshCertificate } from '@burrow/pki';
import { parseSshCertificate, parseSshPublicKeyLine } from '@burrow/pki';
import { loadSshPrivateKey } from '@burrow/ssh-transport';
import type { ParsedKey } from 'ssh2';
import { credentialsObject, portNumber, requiredText } from '../credential-fields.ts';

export type SshLogin =
  | { readonly method: 'password'; readonly password: string }
  | { readonly method: 'public-key'; readonly privateKey: ParsedKey }
  | {
      readonly method: 'certificate';
      readonly privateKey: ParsedKey;
      readonly certificate: SshCertificate;
    };

/** What the gateway knows about the SSH target of a session. */
export interface SshCredentials {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly login: SshLogin;
  /** Plain public key blobs the target may present. */
  readonly hostKeys: readonly Buffer[];
  /** CA key blobs whose host certificates (principal = host) the target may present. */
  readonly hostCertificateAuthorities: readonly Buffer[];
}

/**
 * @example
 *   const credentials = parseSshCredentials(answer.credentials);
 */
export function parseSshCredentials(raw: unknown): SshCredentials {
  const c = credentialsObject(raw);
  const text = (key: string): string => requiredText(c, key);
  const port = portNumber(c);
  const hostKeys = keyLines(c.hostKeys, 'hostKeys').map((line, i) =>
    publicKeyBlob(line, `credentials.hostKeys[${i}]`),
  );
  const hostCertificateAuthorities = keyLines(
    c.hostCertificateAuthorities,
    'hostCertificateAuthorities',
  ).map((line, i) => publicKeyBlob(line, `credentials.hostCertificateAuthorities[${i}]`));
  if (hostKeys.length === 0 && hostCertificateAuthorities.length === 0) {
    throw new Error(
      'the SSH resource pins no host key and no host certificate authority: the gateway does not trust a target on first use',
    );
  }
  return {
    host: text('host'),
    port,
    username: text('username'),
    login: parseLogin(c, text),
    hostKeys,
    hostCertificateAuthorities,
  };
}

function parseLogin(c: Record<string, unknown>, text: (key: string) => string): SshLogin {
  switch (c.authMethod) {
    case 'password':
      if (typeof c.password !== 'string') throw new Error('credentials.password is not a string');
      return { method: 'password', password: c.password };
    case 'public-key':
      return { method: 'public-key', privateKey: privateKey(text('privateKey')) };
    case 'certificate': {
      const key = privateKey(text('privateKey'));
      let certificate: SshCertificate;
      try {
        certificate = parseSshCertificate(text('certificate'));
      } catch {
        throw new Error('credentials.certificate is not an OpenSSH certificate');
      }
      if (certificate.type !== 'user') {
        throw new Error('credentials.certificate is not a user certificate');
      }
      if (!certificate.publicKeyBlob.equals(key.getPublicSSH())) {
        throw new Error('credentials.certificate is not for credentials.privateKey');
      }
      return { method: 'certificate', privateKey: key, certificate };
    }
    default:
      throw new Error('credentials.authMethod is not password, public-key or certificate');
  }
}

function privateKey(textValue: string): ParsedKey {
  try {
    return loadSshPrivateKey(textValue, 'credentials.privateKey');
  } catch (error) {
    // loadSshPrivateKey names the setting only; keep it that way.
    throw new Error(error instanceof Error ? error.message : 'credentials.privateKey is invalid');
  }
}

function keyLines(value: unknown, key: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((line) => typeof line === 'string')) {
    throw new Error(`credentials.${key} is not a list of public key lines`);
  }
  return value.filter((line) => line.trim() !== '');
}

function publicKeyBlob(line: string, field: string): Buffer {
  try {
    return parseSshPublicKeyLine(line.trim()).blob;
  } catch {
    throw new Error(`${field} is not an OpenSSH public key line`);
  }
}
