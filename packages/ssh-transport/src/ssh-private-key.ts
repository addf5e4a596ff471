/**
 * Reading the private keys the control plane hands out ("ssh.serverPrivateKey",
 * "ssh.clientPrivateKey") into ssh2 keys.
 *
 *   accepted   OpenSSH private key files (`-----BEGIN OPENSSH PRIVATE KEY-----`, unencrypted:
 *              what `ssh-keygen` and @burrow/pki write), and PKCS#8 / PKCS#1 / SEC1 PEM
 *              (re-encoded through node:crypto and @burrow/pki first)
 *   key types  ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa
 *
 * The error names the setting, never the key material.
 */
import { createPrivateKey } from 'node:crypto';
import { encodeOpenSshPrivateKey } from '@burrow/pki';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

/**
 * Parses a private key for ssh2. `setting` names the option in error messages.
 *
 * @example
 *   const hostKey = loadSshPrivateKey(options.hostPrivateKey, 'hostPrivateKey');
 *   hostKey.getPublicSSH(); // the plain public key blob
 */
export function loadSshPrivateKey(text: string | Buffer, setting: string): ParsedKey {
  const parsed = parseWithSsh2(text) ?? parseWithNodeCrypto(text);
  if (parsed === undefined) {
    throw new Error(`${setting}: not an unencrypted OpenSSH or PEM private key`);
  }
  if (!parsed.isPrivateKey()) throw new Error(`${setting}: holds a public key, not a private key`);
  return parsed;
}

function parseWithSsh2(text: string | Buffer): ParsedKey | undefined {
  const result = ssh2.utils.parseKey(text) as ParsedKey | ParsedKey[] | Error;
  if (result instanceof Error) return undefined;
  const key = Array.isArray(result) ? result[0] : result;
  return key !== undefined && key.getPrivatePEM() !== null ? key : undefined;
}

function parseWithNodeCrypto(text: string | Buffer): ParsedKey | undefined {
  try {
    return parseWithSsh2(encodeOpenSshPrivateKey(createPrivateKey(text)));
  } catch {
    return undefined;
  }
}
