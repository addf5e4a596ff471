import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SSHD_PATH, startSshd, type RunningSshd } from '@burrow/test-support';
import type { LocalStack } from './local-stack.ts';
import { createSshAccount, createSshResource, pamSshCaPublicKey } from './pam-admin.ts';

/**
 * The SSH part of `burrow-stack`'s PAM demo (issue 15): when OpenSSH's sshd and ssh-keygen are
 * installed, a throwaway sshd of its own (its own config and host key in the stack's scratch
 * directory, on a free 127.0.0.1 port, stopped with the stack) that trusts only the
 * organization's PAM SSH CA (TrustedUserCAKeys; no password, no authorized keys), registered as
 * ssh resource `demo-ssh` with its host key pinned, and account `prod/demo-shell`: a certificate
 * account that logs in as the user running the stack, with a certificate the control plane signs
 * for each session. Returns the lines to print.
 *
 * Without sshd, or when it cannot start (it needs root for its privilege separation directory),
 * it says why and the rest of the stack runs as before.
 *
 * @example
 *   const demo = await setUpSshDemo(stack, gatewayId, say, burrow);
 *   process.stdout.write(demo.instructions);
 *   await demo.stop();
 */
export interface SshDemo {
  sshd?: RunningSshd;
  instructions: string;
  stop(): Promise<void>;
}

export const SSH_DEMO_ACCOUNT = 'prod/demo-shell';

export async function setUpSshDemo(
  stack: LocalStack,
  gatewayId: string,
  say: (message: string) => void,
  burrow: string,
  signal?: AbortSignal,
): Promise<SshDemo> {
  if (!fs.existsSync(SSHD_PATH) || !hasCommand('ssh-keygen')) {
    return {
      instructions:
        '\nPAM SSH demo skipped: OpenSSH sshd is not installed (apt-get install openssh-server openssh-client).\n',
      stop: async () => undefined,
    };
  }
  const user = os.userInfo().username;
  const dir = path.join(stack.workDir, 'ssh-demo');
  let sshd: RunningSshd | undefined;
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
    const hostKeyFile = path.join(dir, 'host_ed25519_key');
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'burrow-demo-sshd',
      '-f',
      hostKeyFile,
    ]);
    const hostKey = fs.readFileSync(`${hostKeyFile}.pub`, 'utf8').trim();
    say('starting a demo sshd (its own config, trusting only the PAM SSH CA) for the SSH demo');
    sshd = await startSshd(dir, async (port) => {
      const resource = await createSshResource(stack.api, {
        name: 'demo-ssh',
        gatewayId,
        host: '127.0.0.1',
        port,
        hostKeys: [hostKey],
      });
      const account = await createSshAccount(stack.api, {
        resourceId: resource.id,
        name: path.basename(SSH_DEMO_ACCOUNT),
        folderPath: path.dirname(SSH_DEMO_ACCOUNT),
        username: user,
        login: { authMethod: 'certificate' },
      });
      const caFile = path.join(dir, 'burrow_pam_ca.pub');
      fs.writeFileSync(caFile, `${await pamSshCaPublicKey(stack.api, account.id)}\n`);
      return [
        `HostKey ${hostKeyFile}`,
        'AuthorizedKeysFile none',
        `TrustedUserCAKeys ${caFile}`,
        `AllowUsers ${user}`,
        'Subsystem sftp internal-sftp',
        'PrintMotd no',
      ];
    });
    signal?.throwIfAborted(); // Ctrl-C while it started: stop it again (below)
    const running = sshd;
    return {
      sshd: running,
      instructions: `
Try PAM over SSH: a demo sshd on 127.0.0.1:${running.port} that trusts only the organization's PAM SSH CA; account
${SSH_DEMO_ACCOUNT} logs in as ${user} with a certificate the control plane signs for each session.
  ${burrow} pam access ${SSH_DEMO_ACCOUNT} --duration 1h   # prints ssh, scp and sftp commands; Ctrl-C ends the session
  ssh -p <port> -o UserKnownHostsFile=<file> -o StrictHostKeyChecking=yes ${user}@127.0.0.1    # as printed: no password, no host-key prompt
Replay it once the session ended (its id is on the "PAM session <id>" line, or in ${burrow} pam sessions list):
${sshReplayCommands(burrow, '<session-id>')
  .map((line) => `  ${line}`)
  .join('\n')}
`,
      stop: () => running.stop(),
    };
  } catch (error) {
    await sshd?.stop();
    if (signal?.aborted) throw error;
    return {
      instructions: `\nPAM SSH demo not available: ${(error as Error).message.split('\n')[0]}\n`,
      stop: async () => undefined,
    };
  }
}

/**
 * How to replay an SSH session's recording: its commands, then the terminal itself played by
 * asciinema from stdin (Debian's asciinema 2 reads `-`), idle gaps cut to 2 s.
 */
export function sshReplayCommands(burrow: string, sessionId: string): string[] {
  return [
    `${burrow} pam sessions show ${sessionId}            # the commands, execs and exit codes`,
    `${burrow} pam sessions export ${sessionId} --format asciicast | asciinema play -i 2 -`,
  ];
}

function hasCommand(name: string): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir !== '' && fs.existsSync(path.join(dir, name)));
}
