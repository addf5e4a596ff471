/**
 * What a team would build from standard tools, with the same three encryption layers as Burrow:
 *
 *   caller --outer TLS (client cert required)--> stunnel "relay" --> sshd's -R port
 *     --SSH channel (aes128-gcm@openssh.com)--> ssh -R -tt (gateway side) --> stunnel "gateway"
 *     (inner mutual TLS terminates here) --> target
 *
 * A private sshd (own host key, authorized key, no PAM) plays the bastion; `ssh -tt ... sleep`
 * holds the reverse tunnel in an interactive session so both ends set TCP_NODELAY (a `-N` session
 * does not, and then every handshake waits ~40 ms). stunnel keeps its default session cache and
 * tickets, so TLS resumption works on both TLS layers. Relay role = stunnel + sshd (and every
 * process it forks); gateway role = ssh + stunnel.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess } from '@burrow/stack';
import { freePort, waitForPort } from '@burrow/test-support';
import type { BenchPath } from './bench-path.ts';
import { makeBenchCertificates, type PemFiles } from './openssl-certificates.ts';
import { expandRoots } from './process-stats.ts';
import { tlsInTlsDialer } from './tls-in-tls-dial.ts';

export const SSH_CIPHER = 'aes128-gcm@openssh.com';

export function stunnelBinary(): string {
  for (const candidate of ['stunnel4', 'stunnel']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${candidate}`], { encoding: 'utf8' }).trim();
    } catch {
      // not installed under this name
    }
  }
  throw new Error(
    'stunnel is not installed (apt-get install stunnel4; scripts/system-deps.sh does it)',
  );
}

export async function startOpensshOpensslPath(
  targetPort: number,
  targetPid: number,
  workDir: string,
): Promise<BenchPath> {
  const dir = path.join(workDir, 'openssh-openssl');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certificates = makeBenchCertificates(path.join(dir, 'pki'));
  const [sshdPort, forwardPort, outerPort, innerPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const file = (name: string): string => path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file('host_ed25519')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file('client')]);
  fs.copyFileSync(file('client.pub'), file('authorized_keys'));
  fs.mkdirSync('/run/sshd', { recursive: true });
  fs.writeFileSync(
    file('sshd_config'),
    [
      `Port ${sshdPort}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${file('host_ed25519')}`,
      `PidFile ${file('sshd.pid')}`,
      `AuthorizedKeysFile ${file('authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'AllowTcpForwarding yes',
      'PermitTTY yes',
      'PrintMotd no',
      `Ciphers ${SSH_CIPHER}`,
      '',
    ].join('\n'),
  );
  const stunnel = stunnelBinary();
  const stunnelConfig = (name: string, accept: number, connect: number, pem: PemFiles): string => {
    const config = file(`stunnel-${name}.conf`);
    fs.writeFileSync(
      config,
      [
        'foreground = yes',
        'pid =',
        `output = ${file(`stunnel-${name}.log`)}`,
        'debug = 4',
        'socket = l:TCP_NODELAY=1',
        'socket = r:TCP_NODELAY=1',
        `[${name}]`,
        `accept = 127.0.0.1:${accept}`,
        `connect = 127.0.0.1:${connect}`,
        `cert = ${pem.cert}`,
        `key = ${pem.key}`,
        `CAfile = ${certificates.caFile}`,
        'requireCert = yes',
        'verifyChain = yes',
        'sslVersionMin = TLSv1.2',
        '',
      ].join('\n'),
    );
    return config;
  };
  const user = os.userInfo().username;
  const sshArgs = [
    '-tt',
    '-c',
    SSH_CIPHER,
    '-i',
    file('client'),
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    'LogLevel=ERROR',
    '-R',
    `127.0.0.1:${forwardPort}:127.0.0.1:${innerPort}`,
    '-p',
    String(sshdPort),
    `${user}@127.0.0.1`,
    'sleep 86400',
  ];
  const relayStunnelConf = stunnelConfig('relay', outerPort, forwardPort, certificates.relayServer);
  const gatewayStunnelConf = stunnelConfig(
    'gateway',
    innerPort,
    targetPort,
    certificates.gatewayServer,
  );
  const started: ManagedProcess[] = [];
  const start = (name: string, command: string, args: string[]): ManagedProcess => {
    const child = new ManagedProcess({ name, command, args, logFile: file(`${name}.log`) });
    started.push(child);
    return child;
  };
  const stop = async (): Promise<void> => {
    const sshd = started.find((child) => child.name === 'sshd');
    const leftovers = sshd?.pid
      ? expandRoots([{ pid: sshd.pid }]).filter((pid) => pid !== sshd.pid)
      : [];
    for (const child of [...started].reverse()) await child.stop();
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone with its session
      }
    }
  };
  try {
    const sshd = start('sshd', '/usr/sbin/sshd', ['-D', '-e', '-f', file('sshd_config')]);
    await waitForPort(sshdPort);
    const gatewayStunnel = start('stunnel-gateway', stunnel, [gatewayStunnelConf]);
    const relayStunnel = start('stunnel-relay', stunnel, [relayStunnelConf]);
    await Promise.all([waitForPort(innerPort), waitForPort(outerPort)]);
    const ssh = start('ssh', 'ssh', sshArgs);
    await waitForPort(forwardPort);
    return {
      name: 'openssh-openssl',
      commands: [
        `/usr/sbin/sshd -D -e -f sshd_config   # ${fs.readFileSync(file('sshd_config'), 'utf8').trim().split('\n').join('; ')}`,
        `ssh ${sshArgs.map((arg) => (arg.includes(' ') ? `'${arg}'` : arg)).join(' ')}`,
        `${stunnel} stunnel-relay.conf   # ${fs.readFileSync(relayStunnelConf, 'utf8').trim().split('\n').join('; ')}`,
        `${stunnel} stunnel-gateway.conf # ${fs.readFileSync(gatewayStunnelConf, 'utf8').trim().split('\n').join('; ')}`,
        'caller: node:tls connect to stunnel-relay (ECDSA P-256 client cert), then node:tls over it to stunnel-gateway (mTLS); `session` option for resumption',
      ],
      roles: {
        caller: [{ pid: process.pid, tree: false }],
        relay: [{ pid: relayStunnel.pid as number }, { pid: sshd.pid as number }],
        gateway: [{ pid: ssh.pid as number }, { pid: gatewayStunnel.pid as number }],
        target: [{ pid: targetPid }],
      },
      dialer: ({ resume }) => tlsInTlsDialer(outerPort, certificates, resume),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
