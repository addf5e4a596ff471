/**
 * The SSH targets of the PAM SSH tests, made with the real OpenSSH tools: a login user with a
 * random password (created with useradd for the suite and removed after it; its home is in the
 * suite's temp dir), the target sshd (ed25519 host key, a host certificate for 127.0.0.1 from a
 * host CA, password + authorized key + user-CA certificate logins, internal-sftp, forwarding
 * allowed so that only the gateway's refusal stops it) and an impostor sshd with another host key.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSshd, type RunningSshd } from '@burrow/test-support';

export interface SshTargets {
  readonly user: string;
  readonly password: string;
  readonly target: RunningSshd;
  readonly impostor: RunningSshd;
  /** `ssh-ed25519 AAAA…` of the target / the impostor. */
  readonly targetHostKey: string;
  readonly impostorHostKey: string;
  /** The host CA that signed the target's certificate, and one that did not. */
  readonly hostCa: string;
  readonly otherHostCa: string;
  /** An OpenSSH private key the target authorizes for `user`. */
  readonly accountKey: string;
  /** A key and a user certificate (principal `user`) of the CA the target trusts. */
  readonly certKey: string;
  readonly certificate: string;
  stop(): Promise<void>;
}

function keygen(file: string, extra: string[] = []): string {
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    path.basename(file),
    '-f',
    file,
    ...extra,
  ]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

export async function startSshTargets(dir: string): Promise<SshTargets> {
  const user = `bt${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  // The login user must reach its home inside the suite's (0700) temp dir; files stay private.
  chmodSync(dir, 0o711);
  const home = path.join(dir, 'home');
  mkdirSync(home, { mode: 0o755 });
  const hash = execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: password })
    .toString()
    .trim();
  execFileSync('useradd', ['-M', '-d', home, '-s', '/bin/bash', '-p', hash, user]);
  execFileSync('chown', [user, home]);
  const cleanups: (() => Promise<void> | void)[] = [() => removeUser(user)];
  try {
    const hostKeyFile = path.join(dir, 'target_host_key');
    const targetHostKey = keygen(hostKeyFile);
    const impostorKeyFile = path.join(dir, 'impostor_host_key');
    const impostorHostKey = keygen(impostorKeyFile);
    const hostCa = keygen(path.join(dir, 'host_ca'));
    const otherHostCa = keygen(path.join(dir, 'other_host_ca'));
    execFileSync('ssh-keygen', [
      '-q',
      '-s',
      path.join(dir, 'host_ca'),
      '-I',
      'target',
      '-h',
      '-n',
      '127.0.0.1',
      '-V',
      '-5m:+1d',
      `${hostKeyFile}.pub`,
    ]);
    const userCa = keygen(path.join(dir, 'user_ca'));
    writeFileSync(path.join(dir, 'user_ca.pub.trusted'), `${userCa}\n`);
    const accountKeyFile = path.join(dir, 'account_key');
    const accountPublic = keygen(accountKeyFile);
    writeFileSync(path.join(dir, 'authorized_keys'), `${accountPublic}\n`);
    const certKeyFile = path.join(dir, 'cert_key');
    keygen(certKeyFile);
    execFileSync('ssh-keygen', [
      '-q',
      '-s',
      path.join(dir, 'user_ca'),
      '-I',
      'pam-session',
      '-n',
      user,
      '-V',
      '-5m:+1h',
      `${certKeyFile}.pub`,
    ]);
    const common = [
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `TrustedUserCAKeys ${path.join(dir, 'user_ca.pub.trusted')}`,
      'Subsystem sftp internal-sftp',
      'AllowTcpForwarding yes',
      'AllowAgentForwarding yes',
      'PrintMotd no',
      'PrintLastLog no',
    ];
    const target = await startSshd(
      dir,
      [`HostKey ${hostKeyFile}`, `HostCertificate ${hostKeyFile}-cert.pub`, ...common],
      { passwordAuthentication: true },
    );
    cleanups.push(() => target.stop());
    const impostor = await startSshd(dir, [`HostKey ${impostorKeyFile}`, ...common], {
      passwordAuthentication: true,
    });
    cleanups.push(() => impostor.stop());
    return {
      user,
      password,
      target,
      impostor,
      targetHostKey,
      impostorHostKey,
      hostCa,
      otherHostCa,
      accountKey: readFileSync(accountKeyFile, 'utf8'),
      certKey: readFileSync(certKeyFile, 'utf8'),
      certificate: readFileSync(`${certKeyFile}-cert.pub`, 'utf8').trim(),
      async stop() {
        for (const cleanup of cleanups.reverse()) await cleanup();
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup();
    throw error;
  }
}

/**
 * Removes the suite's login user once the sessions sshd started for it are gone (a session whose
 * connection was cut, e.g. by SIGKILLing the gateway, may take a moment to notice): its remaining
 * processes (an exec without a PTY outlives its channel, as in OpenSSH) are stopped by PID, then
 * the user is deleted.
 */
async function removeUser(user: string): Promise<void> {
  const pidsOf = (): number[] => {
    try {
      return execFileSync('pgrep', ['-u', user], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map(Number);
    } catch {
      return []; // pgrep exits 1 when there are none
    }
  };
  const deadline = Date.now() + 10_000;
  for (let pids = pidsOf(); pids.length > 0; pids = pidsOf()) {
    const signal = Date.now() > deadline - 5_000 ? 'SIGKILL' : 'SIGTERM';
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  execFileSync('userdel', [user]);
}
