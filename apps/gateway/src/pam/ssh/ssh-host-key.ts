/**
 * The gateway's PAM SSH server key (SSH-CONTRACT.md "The gateway's SSH server key"): one ed25519
 * key, generated on first use and kept next to the PAM recordings, so that it survives restarts
 * and `burrow pam access` can pin it (infisical-pam-capabilities `sshHostKey`).
 *
 *   file    <recording dir>/pam_ssh_host_ed25519_key   OpenSSH private key format, mode 0600,
 *           created with O_EXCL (two gateways starting on one directory keep the first key)
 *   refuse  a key file readable by group or others, or not an ed25519 private key: one clear
 *           error naming the file (never its content); the session or capability answer fails
 *
 * The name does not start with `pam_session_`, so recording listings and the storage bound
 * (recording-storage.ts) never count it.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  encodeOpenSshPrivateKey,
  formatSshPublicKeyLine,
  generateSshKeyPair,
  decodeOpenSshPrivateKey,
} from '@burrow/pki';

export const PAM_SSH_HOST_KEY_FILE = 'pam_ssh_host_ed25519_key';

/** The server key, as ssh2's `hostKeys` wants it and as a known_hosts line wants it. */
export interface PamSshHostKey {
  /** OpenSSH private key text (memory only; never logged). */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA… burrow-gateway-pam`. */
  readonly publicKeyLine: string;
  readonly file: string;
}

/**
 * Loads the key from `dir`, creating it on first use.
 *
 * @example
 *   const key = await loadOrCreatePamSshHostKey(await recordings.directory());
 */
export async function loadOrCreatePamSshHostKey(dir: string): Promise<PamSshHostKey> {
  const file = path.join(dir, PAM_SSH_HOST_KEY_FILE);
  try {
    const pair = generateSshKeyPair('ed25519');
    await writeFile(file, encodeOpenSshPrivateKey(pair.privateKey, 'burrow-gateway-pam'), {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new Error(`cannot create the PAM SSH host key ${file}: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }
  const info = await stat(file);
  if ((info.mode & 0o077) !== 0) {
    throw new Error(
      `the PAM SSH host key ${file} is readable by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`,
    );
  }
  const text = await readFile(file, 'utf8');
  let publicKeyLine: string;
  try {
    const decoded = decodeOpenSshPrivateKey(text);
    if (decoded.algorithm !== 'ssh-ed25519') throw new Error(`it is ${decoded.algorithm}`);
    publicKeyLine = formatSshPublicKeyLine(decoded.publicKeyBlob, 'burrow-gateway-pam');
  } catch (error) {
    throw new Error(
      `the PAM SSH host key ${file} is not an ed25519 OpenSSH private key: ${messageOf(error)}`,
      { cause: error },
    );
  }
  return { privateKey: text, publicKeyLine, file };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The key, loaded once (a failure is retried at the next call).
 *
 * @example
 *   const hostKey = cachedPamSshHostKey(() => sessions.recordings.directory());
 *   (await hostKey()).publicKeyLine;
 */
export function cachedPamSshHostKey(dir: () => Promise<string>): () => Promise<PamSshHostKey> {
  let loading: Promise<PamSshHostKey> | undefined;
  return () => {
    loading ??= dir()
      .then(loadOrCreatePamSshHostKey)
      .catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
    return loading;
  };
}
