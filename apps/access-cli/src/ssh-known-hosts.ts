import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The temporary known_hosts file of one `burrow pam access` ssh session (SSH-CONTRACT.md): the
 * gateway's PAM SSH server key (the `sshHostKey` of its capabilities answer, which arrives inside
 * the inner mTLS from the pinned gateway) for `[127.0.0.1]:<port>`, so the printed `ssh`, `scp`
 * and `sftp` commands run with `StrictHostKeyChecking=yes` and never prompt. The file is 0600 in
 * its own 0700 directory under the system temp dir, and is removed when the session ends (and, as
 * a last resort, when the process exits).
 *
 * @example
 *   const knownHosts = writeSessionKnownHosts({ port: 41235, hostKey: 'ssh-ed25519 AAAA…' });
 *   // ssh -o UserKnownHostsFile=${knownHosts.path} …
 *   knownHosts.remove();
 */
export interface SessionKnownHosts {
  readonly path: string;
  /** Removes the file and its directory; idempotent. */
  remove(): void;
}

/** Key types OpenSSH accepts as host keys (a certificate is not a pinned key). */
const HOST_KEY_TYPES = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/**
 * `<type> <base64>` of an OpenSSH public key line (the comment dropped), or an Error saying why
 * not: one line, a known key type, base64 whose wire blob starts with that type. Nothing the
 * gateway sends can add a second line or a marker (`@revoked`, `@cert-authority`) to the file.
 */
export function parseHostKeyLine(line: string): { type: string; base64: string } | Error {
  const match = /^([a-z0-9@.-]+) ([A-Za-z0-9+/]+={0,2})(?: [^\r\n]*)?$/.exec(line.trim());
  if (!match) return new Error('not an OpenSSH public key line');
  const [, type, base64] = match as unknown as [string, string, string];
  if (!HOST_KEY_TYPES.has(type)) return new Error(`unsupported host key type ${type}`);
  const blob = Buffer.from(base64, 'base64');
  const nameLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (nameLength !== type.length || blob.subarray(4, 4 + nameLength).toString('latin1') !== type) {
    return new Error(`the key data is not a ${type} key`);
  }
  return { type, base64 };
}

export function writeSessionKnownHosts(input: {
  port: number;
  hostKey: string;
  tmpDir?: string;
}): SessionKnownHosts {
  const key = parseHostKeyLine(input.hostKey);
  if (key instanceof Error) throw key;
  const dir = fs.mkdtempSync(path.join(input.tmpDir ?? os.tmpdir(), 'burrow-ssh-'));
  fs.chmodSync(dir, 0o700);
  const file = path.join(dir, 'known_hosts');
  fs.writeFileSync(file, `[127.0.0.1]:${input.port} ${key.type} ${key.base64}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', remove);
  return { path: file, remove };
}
