/** The machine and the versions of everything measured, for the results header. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { ssh2NativeCryptoAvailable } from '@burrow/ssh-transport';
import { stunnelBinary } from './openssh-openssl-path.ts';

export interface MachineInfo {
  os: string;
  kernel: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  versions: Record<string, string>;
}

function firstLine(command: string, args: string[]): string {
  try {
    const output = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return output.split('\n')[0]?.trim() ?? '';
  } catch (error) {
    // ssh -V and stunnel -version print to stderr (stunnel exits non-zero too).
    const stderr = String((error as { stderr?: string }).stderr ?? '');
    return (
      stderr
        .split('\n')
        .find((line) => line.trim() !== '')
        ?.trim() ?? 'unknown'
    );
  }
}

export function machineInfo(): MachineInfo {
  const release = fs.existsSync('/etc/os-release')
    ? fs.readFileSync('/etc/os-release', 'utf8')
    : '';
  const pretty = /PRETTY_NAME="?([^"\n]+)"?/.exec(release)?.[1] ?? os.type();
  const require = createRequire(import.meta.resolve('@burrow/ssh-transport'));
  const ssh2Version = (require('ssh2/package.json') as { version: string }).version;
  let stunnel = 'not installed';
  try {
    stunnel = firstLine('sh', ['-c', `${stunnelBinary()} -version 2>&1 | grep -m1 '^stunnel'`]);
  } catch {
    // reported as not installed
  }
  const sshVersion = firstLine('sh', ['-c', 'ssh -V 2>&1']);
  return {
    os: pretty,
    kernel: os.release(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    versions: {
      node: process.version,
      openssl: `${firstLine('openssl', ['version'])} (CLI); node:tls ${process.versions.openssl}`,
      openssh: sshVersion,
      stunnel,
      ssh2: `${ssh2Version} (native AES-GCM binding: ${ssh2NativeCryptoAvailable() ? 'yes' : 'NO'})`,
    },
  };
}
