import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Runs openssl / ssh-keygen on PEM or key text written to temporary files. */
export function withFiles<T>(
  files: Record<string, string>,
  fn: (paths: Record<string, string>) => T,
): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-cp-files-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, content] of Object.entries(files)) {
      paths[name] = path.join(dir, name);
      fs.writeFileSync(paths[name], content.endsWith('\n') ? content : `${content}\n`, {
        mode: 0o600,
      });
    }
    return fn(paths);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function run(command: string, args: string[]): string {
  return execFileSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TZ: 'UTC' },
  });
}

/** `ssh-keygen -L` of a certificate line, parsed into the fields the tests check. */
export function sshCertificateInfo(certificateLine: string): {
  type: string;
  keyId: string;
  principals: string[];
  validFrom: Date;
  validTo: Date;
  signingCa: string;
  text: string;
} {
  const text = withFiles({ 'key-cert.pub': certificateLine }, (p) =>
    run('ssh-keygen', ['-L', '-f', p['key-cert.pub'] as string]),
  );
  const type = /Type: (\S+ \S+ certificate)/.exec(text)?.[1] ?? '';
  const keyId = /Key ID: "([^"]*)"/.exec(text)?.[1] ?? '';
  const valid = /Valid: from (\S+) to (\S+)/.exec(text);
  const signingCa = /Signing CA: \S+ (\S+)/.exec(text)?.[1] ?? '';
  const principalsBlock = /Principals:\s*\n((?:\s{16,}\S+\n)+)/.exec(text)?.[1] ?? '';
  return {
    type,
    keyId,
    principals: principalsBlock
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
    validFrom: new Date(`${valid?.[1]}Z`),
    validTo: new Date(`${valid?.[2]}Z`),
    signingCa,
    text,
  };
}

/** SHA256 fingerprint of a public key line, as ssh-keygen -l prints it. */
export function sshFingerprintOf(publicKeyLine: string): string {
  const out = withFiles({ 'key.pub': publicKeyLine }, (p) =>
    run('ssh-keygen', ['-l', '-f', p['key.pub'] as string]),
  );
  return out.split(' ')[1] ?? '';
}
