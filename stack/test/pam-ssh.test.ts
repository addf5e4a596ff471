/**
 * Access to a private Linux server over SSH, end to end (issue 15), from the real binaries on
 * loopback: control plane, relay, gateway (LocalStack) and the `burrow` CLI; a real OpenSSH sshd as
 * the target (its own config on a free port, a login user made for this suite, the target's host
 * key pinned in the ssh resource, the organization's PAM SSH CA in its TrustedUserCAKeys); the
 * real `ssh` and `scp` run exactly as `burrow pam access` prints them, with
 * StrictHostKeyChecking=yes and BatchMode (a prompt would fail them).
 *
 * The account's password and private key are given to the control plane once and must never show
 * up on the person's side: not in burrow's output or files, not in ssh's output, not in the
 * environment the person's commands run with.
 */
import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SSHD_PATH, asciinemaCat, startSshd, type RunningSshd } from '@burrow/test-support';
import {
  BURROW_CLI,
  LocalStack,
  burrowEnv,
  grantPamAccess,
  createSshAccount,
  createSshResource,
  pamSshCaPublicKey,
  runBurrow,
  startBurrow,
  type BurrowResult,
  type ManagedProcess,
} from '../src/index.ts';
import {
  SSH_DEMO_ACCOUNT,
  setUpSshDemo,
  sshReplayCommands,
  type SshDemo,
} from '../src/pam-ssh-demo.ts';
import { createPamMember, loginWithBurrow } from './support/pam-setup.ts';
import { waitForPamSession } from './support/pam-session.ts';

const suffix = crypto.randomBytes(4).toString('hex');
const USER = `bs${suffix}`;
const PASSWORD = `ssh-Pw-${crypto.randomBytes(12).toString('hex')}`;

const testDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-pam-ssh-test-'));
const configDir = path.join(testDir, 'burrow-config');
/** The person's HOME for ssh and scp: no ~/.ssh of the test runner helps them. */
const personHome = path.join(testDir, 'person-home');

let stack: LocalStack;
let gatewayId: string;
let sshd: RunningSshd | undefined;
let demo: SshDemo | undefined;
let userCreated = false;
let accountKey: string;
let hostKey: string;
let identity: { identityId: string; clientId: string; clientSecret: string };
/** Everything burrow, ssh or scp printed, checked for secrets at the end. */
const transcripts: string[] = [];
const accessProcesses: ManagedProcess[] = [];
const knownHostsFiles: string[] = [];

function keygen(file: string): string {
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
  ]);
  return fs.readFileSync(`${file}.pub`, 'utf8').trim();
}

beforeAll(async () => {
  // The target's user reaches its home and authorized_keys below here (traverse, not list).
  fs.chmodSync(testDir, 0o711);
  fs.mkdirSync(personHome, { mode: 0o700 });
  // The target's login user, with a password only the control plane learns.
  const home = path.join(testDir, 'target-home');
  fs.mkdirSync(home, { mode: 0o755 });
  const hash = execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: PASSWORD })
    .toString()
    .trim();
  execFileSync('useradd', ['-M', '-d', home, '-s', '/bin/sh', '-p', hash, USER]);
  userCreated = true;
  execFileSync('chown', [USER, home]);

  hostKey = keygen(path.join(testDir, 'target_host_key'));
  const accountPublic = keygen(path.join(testDir, 'account_key'));
  accountKey = fs.readFileSync(path.join(testDir, 'account_key'), 'utf8');
  fs.writeFileSync(path.join(testDir, 'authorized_keys'), `${accountPublic}\n`, { mode: 0o644 });

  stack = await LocalStack.start();
  await stack.startRelay('relay-a');
  await stack.startGateway('gateway-a', 'relay-a');
  gatewayId = (await stack.waitForHealthyGateway('gateway-a')).id;

  // The target's port is known once sshd's config is written: the resource and accounts are made
  // then, and the CA they use goes into the config.
  sshd = await startSshd(
    testDir,
    async (port) => {
      const resource = await createSshResource(stack.api, {
        name: 'web-1',
        gatewayId,
        host: '127.0.0.1',
        port,
        hostKeys: [hostKey],
      });
      const logins = [
        ['web-pw', { authMethod: 'password', password: PASSWORD }],
        ['web-key', { authMethod: 'public-key', privateKey: accountKey }],
        ['web-cert', { authMethod: 'certificate' }],
      ] as const;
      let certAccountId = '';
      for (const [name, login] of logins) {
        const account = await createSshAccount(stack.api, {
          resourceId: resource.id,
          name,
          folderPath: 'ops',
          username: USER,
          login,
        });
        if (name === 'web-cert') certAccountId = account.id;
      }
      const ca = await pamSshCaPublicKey(stack.api, certAccountId);
      fs.writeFileSync(path.join(testDir, 'burrow_pam_ca.pub'), `${ca}\n`);
      return [
        `HostKey ${path.join(testDir, 'target_host_key')}`,
        `AuthorizedKeysFile ${path.join(testDir, 'authorized_keys')}`,
        `TrustedUserCAKeys ${path.join(testDir, 'burrow_pam_ca.pub')}`,
        `AllowUsers ${USER}`,
        'Subsystem sftp internal-sftp',
        'PrintMotd no',
        'PrintLastLog no',
      ];
    },
    { passwordAuthentication: true },
  );

  identity = await createPamMember(stack, 'alice', ['ops/']);
  const login = await loginWithBurrow(stack, identity, configDir);
  transcripts.push(login.stdout, login.stderr);
}, 180_000);

afterAll(async () => {
  await Promise.all(accessProcesses.map((p) => p.stop('SIGKILL')));
  await demo?.stop();
  await stack?.stop();
  await sshd?.stop();
  if (userCreated) execFileSync('userdel', [USER]);
  fs.rmSync(testDir, { recursive: true, force: true });
});

async function burrow(args: string[], env: Record<string, string> = {}): Promise<BurrowResult> {
  const result = await runBurrow(args, { configDir, env });
  transcripts.push(result.stdout, result.stderr);
  return result;
}

interface SshAccess {
  process: ManagedProcess;
  sessionId: string;
  /** The printed commands, split into words (no word of ours needs shell quoting here). */
  ssh: string[];
  scp: string[];
  sftp: string[];
  knownHostsFile: string;
}

/** `burrow pam access <path> --port 0`, until it prints the ssh, scp and sftp commands. */
async function openAccess(accountPath: string): Promise<SshAccess> {
  const process = startBurrow(['pam', 'access', accountPath, '--port', '0'], {
    configDir,
    logFile: path.join(testDir, `burrow-access-${accessProcesses.length + 1}.log`),
  });
  accessProcesses.push(process);
  const sftpLine = await process.waitFor(/^ {2}sftp -P \d+ /, 30_000);
  const sshLine = await process.waitFor(/^ {2}ssh -p \d+ /, 5_000);
  const scpLine = await process.waitFor(/^ {2}scp -P \d+ /, 5_000);
  const sessionLine = await process.waitFor(/^PAM session \S+ for /, 5_000);
  const words = (line: string) => line.trim().split(/\s+/);
  const ssh = words(sshLine);
  const knownHostsFile = /UserKnownHostsFile=(\S+)/.exec(sshLine)?.[1] as string;
  knownHostsFiles.push(knownHostsFile);
  return {
    process,
    sessionId: /^PAM session (\S+) for /.exec(sessionLine)?.[1] as string,
    ssh,
    scp: words(scpLine),
    sftp: words(sftpLine),
    knownHostsFile,
  };
}

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The person's environment: PATH, their own HOME, nothing else. */
const personEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: personHome, LANG: 'C' };

/**
 * A printed command run for real: no ssh config file of the runner, BatchMode (any prompt, for a
 * password or an unknown host key, fails the command instead of hanging).
 */
function runPrinted(words: string[], extra: string[], input?: string): Promise<CommandResult> {
  const [command, ...args] = words as [string, ...string[]];
  const options = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30'];
  return new Promise((resolve) => {
    const child = execFile(
      command,
      [...options, ...args, ...extra],
      { env: personEnv, timeout: 90_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        transcripts.push(stdout, stderr);
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

const sessions: Record<string, SshAccess> = {};

describe.each([
  ['password', 'ops/web-pw'],
  ['public-key', 'ops/web-key'],
  ['certificate', 'ops/web-cert'],
])('a %s account through the printed ssh command', (_method, accountPath) => {
  it('prints ssh, scp and sftp with a pinned known_hosts (0600) and strict host-key checking', async () => {
    const access = await openAccess(accountPath);
    sessions[accountPath] = access;
    expect(access.ssh).toEqual([
      'ssh',
      '-p',
      expect.stringMatching(/^\d+$/),
      '-o',
      `UserKnownHostsFile=${access.knownHostsFile}`,
      '-o',
      'StrictHostKeyChecking=yes',
      `${USER}@127.0.0.1`,
    ]);
    expect(fs.statSync(access.knownHostsFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(access.knownHostsFile, 'utf8')).toMatch(
      new RegExp(`^\\[127\\.0\\.0\\.1\\]:${access.ssh[2]} ssh-ed25519 AAAA\\S+\\n$`),
    );
  });

  it('ssh … echo hi prints hi as the account’s user; exit 3 returns 3', async () => {
    const access = sessions[accountPath] as SshAccess;
    const hi = await runPrinted(access.ssh, ['echo hi; id -un']);
    expect(hi).toMatchObject({ code: 0, stdout: `hi\n${USER}\n` });
    expect(hi.stderr).not.toMatch(/Warning|authenticity|password/i);
    const three = await runPrinted(access.ssh, ['exit 3']);
    // The whole result, so that a failure shows what ssh said.
    expect(three).toMatchObject({ code: 3, stdout: '' });
  });
});

describe('the same session', () => {
  it('scp copies a file up and back intact', async () => {
    const access = sessions['ops/web-cert'] as SshAccess;
    const local = path.join(personHome, 'payload.bin');
    const back = path.join(personHome, 'payload-back.bin');
    fs.writeFileSync(local, crypto.randomBytes(1024 * 1024));
    // The printed scp: `scp -P <port> -o … -o … <local file> <user>@127.0.0.1:<remote path>`.
    const scp = access.scp.slice(0, 7);
    expect(scp.slice(-1)).toEqual(['StrictHostKeyChecking=yes']);
    const remote = `${USER}@127.0.0.1:payload.bin`;
    const up = await runPrinted(scp, [local, remote]);
    expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: '' });
    const down = await runPrinted(scp, [remote, back]);
    expect({ code: down.code, stderr: down.stderr }).toEqual({ code: 0, stderr: '' });
    const digest = (file: string) =>
      crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    expect(digest(back)).toBe(digest(local));
  });

  it('the printed sftp, with -b - (commands from stdin), puts, lists, gets and removes a file', async () => {
    const access = sessions['ops/web-key'] as SshAccess;
    const local = path.join(personHome, 'sftp-payload.bin');
    const back = path.join(personHome, 'sftp-payload-back.bin');
    fs.writeFileSync(local, crypto.randomBytes(256 * 1024));
    const [sftp, ...printed] = access.sftp;
    expect(sftp).toBe('sftp');
    const batch = [
      `put ${local} sftp-payload.bin`,
      'ls -l sftp-payload.bin',
      `get sftp-payload.bin ${back}`,
      'rm sftp-payload.bin',
      'ls',
    ].join('\n');
    const result = await runPrinted(['sftp', '-b', '-', ...printed], [], `${batch}\n`);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^-rw\S+ .* 262144 .*sftp-payload\.bin$/m);
    const digest = (file: string) =>
      crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    expect(digest(back)).toBe(digest(local));
    // The last `ls` ran after `rm`: the file is gone from the target's home.
    const lastListing = result.stdout.lastIndexOf('sftp> ls\n');
    expect(lastListing).toBeGreaterThan(0);
    expect(result.stdout.slice(lastListing)).not.toContain('sftp-payload.bin');
  });

  it('a known_hosts without the gateway’s key is refused: the pin is what lets ssh in', async () => {
    const access = sessions['ops/web-pw'] as SshAccess;
    const other = path.join(personHome, 'other_known_hosts');
    fs.writeFileSync(other, `[127.0.0.1]:${access.ssh[2]} ${hostKey}\n`, { mode: 0o600 });
    const words = access.ssh.map((word) =>
      word.startsWith('UserKnownHostsFile=') ? `UserKnownHostsFile=${other}` : word,
    );
    const refused = await runPrinted(words, ['echo hi']);
    expect(refused.code).toBe(255);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/,
    );
  });

  it('Ctrl-C ends each session: known_hosts removed, the session ended with its recording, shown by burrow pam sessions show', async () => {
    for (const access of Object.values(sessions)) {
      expect(await access.process.stop('SIGINT')).toBe(0);
      expect(fs.existsSync(path.dirname(access.knownHostsFile))).toBe(false);
    }
    const access = sessions['ops/web-pw'] as SshAccess;
    const session = await waitForPamSession(
      stack,
      access.sessionId,
      (s) => s.status === 'ended' && (s.eventCount ?? 0) > 0,
      60_000,
    );
    expect(session).toMatchObject({
      accountPath: 'ops/web-pw',
      resourceType: 'ssh',
      recordingProblems: [],
    });
    const show = await burrow(['pam', 'sessions', 'show', access.sessionId]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(access.sessionId);
    expect(show.stdout).toContain('ops/web-pw');
    expect(show.stdout).toContain('exec echo hi; id -un');
    expect(show.stdout).toContain('exec exit 3');
    expect(show.stdout).toContain('exit 3');
    // The replay: the exported asciicast, played by the real asciinema.
    const cast = await burrow([
      'pam',
      'sessions',
      'export',
      access.sessionId,
      '--format',
      'asciicast',
    ]);
    expect(cast.code).toBe(0);
    const castFile = path.join(personHome, 'session.cast');
    fs.writeFileSync(castFile, cast.stdout);
    const played = await asciinemaCat(castFile);
    expect(played).toMatch(new RegExp(`hi\r?\n${USER}`));
  });

  it('the person never holds the password or a private key: not in output, files, environment', async () => {
    const secrets = [PASSWORD, accountKey.split('\n')[1] as string, 'PRIVATE KEY'];
    const env = JSON.stringify({ ...burrowEnv(configDir), ...personEnv });
    const files = [configDir, personHome]
      .flatMap((dir) =>
        fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)),
      )
      .filter((file) => fs.statSync(file).isFile() && !file.endsWith('.bin'))
      .map((file) => fs.readFileSync(file, 'utf8'));
    const cliLogs = accessProcesses.map((p) => p.output().join('\n'));
    const everything = [...transcripts, ...cliLogs, ...files, env].join('\n');
    expect(everything).toContain('hi');
    for (const secret of secrets) expect(everything).not.toContain(secret);
    // Every temporary known_hosts is gone.
    for (const file of knownHostsFiles) expect(fs.existsSync(file)).toBe(false);
  });
});

describe('the SSH demo ./scripts/run-stack.sh sets up', () => {
  it('starts its sshd where sshd is installed; burrow pam access prod/demo-shell, ssh … echo hi and the printed replay commands work', async () => {
    expect(fs.existsSync(SSHD_PATH)).toBe(true); // this suite's own target needs it too
    demo = await setUpSshDemo(stack, gatewayId, () => undefined, 'burrow');
    expect(demo.instructions).not.toMatch(/skipped|not available/);
    expect(demo.sshd).toBeDefined();
    expect(demo.instructions).toContain(`burrow pam access ${SSH_DEMO_ACCOUNT} --duration 1h`);
    for (const line of sshReplayCommands('burrow', '<session-id>')) {
      expect(demo.instructions).toContain(`  ${line}\n`);
    }

    // The demo logs in as the user running the stack, with a certificate of the org's PAM CA.
    await grantPamAccess(stack.api, identity.identityId, 'prod/');
    const access = await openAccess(SSH_DEMO_ACCOUNT);
    expect(access.ssh.at(-1)).toBe(`${os.userInfo().username}@127.0.0.1`);
    const hi = await runPrinted(access.ssh, ['echo hi']);
    expect(hi).toMatchObject({ code: 0, stdout: 'hi\n' });
    expect(await access.process.stop('SIGINT')).toBe(0);
    await waitForPamSession(
      stack,
      access.sessionId,
      (s) => s.status === 'ended' && (s.eventCount ?? 0) > 0,
      60_000,
    );

    // The replay lines as printed, by /bin/sh, with `burrow` this checkout's CLI.
    const [show, play] = sshReplayCommands('burrow', access.sessionId) as [string, string];
    const burrowFunction = `burrow() { '${process.execPath}' '${BURROW_CLI}' "$@"; }`;
    const replay = (line: string): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(
          '/bin/sh',
          ['-c', `${burrowFunction}\n${line}`],
          {
            cwd: personHome,
            env: { ...burrowEnv(configDir), ...personEnv },
            timeout: 90_000,
            encoding: 'utf8',
          },
          (error, stdout, stderr) => {
            transcripts.push(stdout, stderr);
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
          },
        );
      });
    const shown = await replay(show);
    expect(shown).toMatchObject({ code: 0, stdout: expect.stringContaining('exec echo hi') });
    // asciinema plays the exported terminal from stdin (here to a pipe: no terminal needed).
    const played = await replay(play);
    expect(played).toMatchObject({ code: 0, stdout: expect.stringMatching(/^hi\r?\n$/m) });
  });
});
