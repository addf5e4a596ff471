/**
 * The SSH PAM proxy end to end on one machine: a real OpenSSH sshd as the target (and an impostor
 * with another host key), the gateway's PAM side in its own process (so it can be SIGKILLed),
 * a fake control plane for credentials, key, uploads and session end, and the real ssh, scp and
 * sftp as the person, through a local listener that opens one inner TLS session per connection
 * with the session's PAM certificate (ALPN infisical-pam-proxy), as `burrow pam access` does.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { PassThrough } from 'node:stream';
import net from 'node:net';
import os from 'node:os';
import ssh2 from 'ssh2';
import path from 'node:path';
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import type { IssuedCertificate } from '@burrow/pki';
import { issueGatewayPamClientCertificate } from '@burrow/pki';
import { readRecordingEvents } from '@burrow/session-recorder';
import { exportRecording } from '../../../src/pam/recording-export.ts';
import { asciinemaCat, freePort, waitForPort } from '@burrow/test-support';
import { ALPN } from '@burrow/tunnel-protocol';
import type {
  FakePamControlPlane,
  FakeSshCredentials,
} from '../../helpers/fake-pam-control-plane.ts';
import { startFakePamControlPlane } from '../../helpers/fake-pam-control-plane.ts';
import type { PamTunnel } from '../../helpers/pam-tunnel.ts';
import { openPamTunnelToPort } from '../../helpers/pam-tunnel.ts';
import type { GatewayPki } from '../../helpers/pki-fixture.ts';
import { GATEWAY_ID, ORG_ID, createGatewayPki } from '../../helpers/pki-fixture.ts';
import type { GatewayProcess } from './ssh-gateway.ts';
import {
  personSshOptions,
  runClient,
  startGatewayProcess,
  writeKnownHosts,
} from './ssh-gateway.ts';
import type { SshTargets } from './ssh-target-fixture.ts';
import { startSshTargets } from './ssh-target-fixture.ts';
import { TmuxTerminal } from './tmux-terminal.ts';

jest.setTimeout(120_000);

interface SshEvent {
  timestamp: string;
  eventType: string;
  channelType: string;
  channelId: number;
  elapsedTime: number;
  data?: string;
  command?: string;
  exitCode?: number;
  operation?: string;
  path?: string;
  bytes?: number;
  direction?: string;
  cols?: number;
  rows?: number;
  message?: string;
  signal?: string;
}

let dir: string;
let recordingDir: string;
let targets: SshTargets;
let controlPlane: FakePamControlPlane;
let pki: GatewayPki;
let gateway: GatewayProcess;
const tunnels: PamTunnel[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-pam-ssh-'));
  recordingDir = path.join(dir, 'recordings');
  [targets, controlPlane, pki] = await Promise.all([
    startSshTargets(dir),
    startFakePamControlPlane(),
    createGatewayPki(),
  ]);
  gateway = await startGateway();
});

afterAll(async () => {
  for (const tunnel of tunnels) await tunnel.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
  await gateway?.kill('SIGTERM');
  await controlPlane?.close();
  await targets?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function startGateway(): Promise<GatewayProcess> {
  return startGatewayProcess({
    apiUrl: controlPlane.apiUrl,
    recordingDir,
    gatewayId: GATEWAY_ID,
    credentials: pki.credentials,
  });
}

interface TestSession {
  sessionId: string;
  certificate: IssuedCertificate;
  tunnel: PamTunnel;
  knownHosts: string;
  /** ssh options + `-p port`, ready for `ssh <opts> x@127.0.0.1 …`. */
  ssh: string[];
}

type Account = 'password' | 'public-key' | 'certificate';

function credentialsFor(account: Account): FakeSshCredentials {
  const base = {
    host: '127.0.0.1',
    port: targets.target.port,
    username: targets.user,
    hostKeys: [targets.targetHostKey],
  };
  if (account === 'password') {
    return { ...base, authMethod: 'password', password: targets.password };
  }
  if (account === 'public-key') {
    return { ...base, authMethod: 'public-key', privateKey: targets.accountKey };
  }
  // Trusted through the host CA only: the target must present its host certificate.
  return {
    ...base,
    hostKeys: [],
    hostCertificateAuthorities: [targets.hostCa],
    authMethod: 'certificate',
    privateKey: targets.certKey,
    certificate: targets.certificate,
  };
}

async function openSession(
  credentials: FakeSshCredentials,
  policyRules?: unknown,
  lifetimeMs = 3_600_000,
): Promise<TestSession> {
  const sessionId = randomUUID();
  controlPlane.sessions.set(sessionId, credentials);
  if (policyRules !== undefined) controlPlane.policyRules.set(sessionId, policyRules);
  const certificate = await issueGatewayPamClientCertificate({
    issuer: pki.clientCa,
    orgId: ORG_ID,
    gatewayId: GATEWAY_ID,
    actor: { type: 'user', id: 'user-1', name: 'alice@example.com' },
    targetHost: credentials.host,
    targetPort: credentials.port,
    sessionId,
    resourceType: 'ssh',
    lifetimeMs,
  });
  const tunnel = await openPamTunnelToPort(
    gateway.port,
    pki.serverCertificateChain,
    certificate,
    ALPN.pamProxy,
  );
  tunnels.push(tunnel);
  const knownHosts = writeKnownHosts(dir, tunnel.port, gateway.sshHostKey);
  return {
    sessionId,
    certificate,
    tunnel,
    knownHosts,
    ssh: [...personSshOptions(knownHosts), '-p', String(tunnel.port)],
  };
}

/** The person's ssh in an 80x24 tmux terminal, at the shell's prompt `pam$ `. */
async function openShell(session: TestSession): Promise<TmuxTerminal> {
  const terminal = await TmuxTerminal.start(
    dir,
    ['ssh', '-tt', ...session.ssh, 'x@127.0.0.1'],
    80,
    24,
  );
  cleanups.push(() => terminal.stop());
  await terminal.type("export PS1='pam$ '\r");
  await terminal.waitForScreen(/pam\$$/m);
  return terminal;
}

/** Ends a session through the cancellation ALPN and returns what the control plane received. */
async function endAndCollect(session: TestSession): Promise<SshEvent[]> {
  const cancel = await openPamTunnelToPort(
    gateway.port,
    pki.serverCertificateChain,
    session.certificate,
    ALPN.pamSessionCancellation,
  );
  try {
    await new Promise<void>((resolve) => {
      const socket = net.connect(cancel.port, '127.0.0.1');
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.resume();
    });
  } finally {
    await cancel.close();
  }
  return (await controlPlane.waitForEnd(session.sessionId, 30_000)) as SshEvent[];
}

const decoded = (events: SshEvent[], type: string, channelType?: string): string =>
  events
    .filter((e) => e.eventType === type && (!channelType || e.channelType === channelType))
    .map((e) => Buffer.from(e.data ?? '', 'base64').toString('utf8'))
    .join('');

function expectNoSecret(secret: string, ...where: (string | Buffer)[]): void {
  for (const text of where) expect(text.toString()).not.toContain(secret);
}

test('password account: exec runs as the account, exit status 3 comes back, nothing shows the password', async () => {
  const session = await openSession(credentialsFor('password'));
  const result = await runClient('ssh', [
    ...session.ssh,
    'whoever@127.0.0.1',
    'echo "hello $(id -un)"; echo to-stderr >&2; exit 3',
  ]);
  expect(result.stderr).toBe('to-stderr\n');
  expect(result.stdout.toString()).toBe(`hello ${targets.user}\n`);
  expect(result.code).toBe(3);

  const events = await endAndCollect(session);
  const exec = events.find((e) => e.eventType === 'exec');
  expect(exec).toMatchObject({ channelType: 'exec', command: expect.stringContaining('hello') });
  expect(decoded(events, 'output')).toBe(`hello ${targets.user}\nto-stderr\n`);
  expect(events.find((e) => e.eventType === 'exit')).toMatchObject({ exitCode: 3 });
  for (const event of events) {
    expect(typeof event.elapsedTime).toBe('number');
    expect(event.channelId).toBe(exec?.channelId);
  }
  expectNoSecret(
    targets.password,
    result.stdout,
    result.stderr,
    gateway.logs(),
    JSON.stringify(events),
    decoded(events, 'input'),
    decoded(events, 'output'),
    Buffer.concat(session.tunnel.fromGateway),
    Buffer.concat(session.tunnel.toGateway),
  );
});

test('a target that sends its whole answer in one burst (exit-status before the gateway listens) still passes the exit status', async () => {
  // An in-process ssh2 server answers an exec with output, exit-status, EOF and close in one tick,
  // so they reach the gateway in one TCP read, as a quick command on a busy machine does.
  const target = await startScriptedTarget('burst', (channel) => {
    channel.write('burst\n');
    channel.exit(7);
    channel.end();
  });
  // Between gateway and target: the target's bytes are held until it has been quiet for 50 ms,
  // then written at once, so its answer to the exec reaches the gateway in one read.
  const burster = net.createServer((gatewaySide) => {
    const targetSide = net.connect(target.port, '127.0.0.1');
    let held: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      if (held.length > 0) gatewaySide.write(Buffer.concat(held));
      held = [];
    };
    targetSide.on('data', (chunk: Buffer) => {
      held.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(flush, 50);
    });
    targetSide.on('end', () => {
      clearTimeout(timer);
      flush();
      gatewaySide.end();
    });
    gatewaySide.pipe(targetSide);
    for (const socket of [gatewaySide, targetSide]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        gatewaySide.destroy();
        targetSide.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => burster.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => burster.close(() => resolve())));
  const port = (burster.address() as { port: number }).port;

  const session = await openSession({ ...target.credentials, port });
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const result = await runClient('ssh', [...session.ssh, 'whoever@127.0.0.1', 'quick']);
    expect({ code: result.code, stdout: result.stdout.toString() }).toEqual({
      code: 7,
      stdout: 'burst\n',
    });
  }
  const events = await endAndCollect(session);
  expect(events.filter((e) => e.eventType === 'exit')).toHaveLength(5);
  expect(events.filter((e) => e.eventType === 'exit').every((e) => e.exitCode === 7)).toBe(true);
});

test("signals pass through: the person's TERM stops the target's command and its exit-signal comes back; a command that kills itself gives exit-signal TERM", async () => {
  // OpenSSH's ssh cannot send a signal request; an ssh2 client (as other SSH clients do) can.
  const session = await openSession(credentialsFor('public-key'));
  const person = await connectPerson(session);
  cleanups.push(() => void person.end());

  const slept = await execOnPerson(person, 'echo started; exec sleep 60', (channel, stdout) => {
    if (stdout.includes('started\n')) channel.signal('TERM');
  });
  expect(slept).toEqual({ code: null, signal: 'SIGTERM', stdout: 'started\n' });

  const killed = await execOnPerson(person, 'echo going; kill -TERM $$; echo never');
  expect(killed).toEqual({ code: null, signal: 'SIGTERM', stdout: 'going\n' });

  // A signal name outside RFC 4254's list (this client is made to send one, as a hostile client
  // could) is not passed on and the person is told; the connection and the command go on.
  const constantsModule = 'ssh2/lib/protocol/constants.js';
  const { SIGNALS } = (await import(constantsModule)) as { SIGNALS: Record<string, number> };
  SIGNALS['BOGUS'] = 1;
  let bogusSent = false;
  const bogus = await execOnPerson(person, 'echo started; exec sleep 60', (channel) => {
    if (bogusSent) return;
    bogusSent = true;
    channel.signal('BOGUS');
    channel.signal('TERM');
  }).finally(() => delete SIGNALS['BOGUS']);
  expect(bogus).toEqual({ code: null, signal: 'SIGTERM', stdout: 'started\n' });
  person.end();

  const events = await endAndCollect(session);
  const execs = events.filter((e) => e.eventType === 'exec');
  expect(execs.map((e) => e.command)).toEqual([
    'echo started; exec sleep 60',
    'echo going; kill -TERM $$; echo never',
    'echo started; exec sleep 60',
  ]);
  const [sleeper, killer, bogusChannel] = execs.map((e) => e.channelId);
  const ofChannel = (id: number | undefined): SshEvent[] =>
    events.filter((e) => e.channelId === id && ['signal', 'exit'].includes(e.eventType));
  expect(ofChannel(sleeper)).toEqual([
    expect.objectContaining({ eventType: 'signal', signal: 'TERM' }),
    expect.objectContaining({ eventType: 'exit', signal: 'SIGTERM' }),
  ]);
  expect(ofChannel(killer)).toEqual([
    expect.objectContaining({ eventType: 'exit', signal: 'SIGTERM' }),
  ]);
  expect(ofChannel(bogusChannel)).toEqual([
    expect.objectContaining({ eventType: 'signal', signal: 'BOGUS' }),
    expect.objectContaining({ eventType: 'signal', signal: 'TERM' }),
    expect.objectContaining({ eventType: 'exit', signal: 'SIGTERM' }),
  ]);
  expect(events).toContainEqual(
    expect.objectContaining({
      eventType: 'notice',
      channelId: bogusChannel,
      message: 'the signal "BOGUS" is not one SSH defines: not passed on',
    }),
  );
});

test("a signal the person sends as soon as the exec is accepted, while the gateway still opens the target's channel, reaches the target", async () => {
  // A scripted target ends the command with the signal it gets (sshd could not be used here: a
  // signal that early can reach it before its child has its own process group).
  const target = await startScriptedTarget('signal', (channel, session) => {
    // Without the signal the command would end by itself, and the test fail, after 20 s.
    const timer = setTimeout(() => {
      channel.exit(0);
      channel.end();
    }, 20_000);
    session.once('signal', (accept, _reject, info) => {
      accept?.();
      clearTimeout(timer);
      channel.exit(info.name);
      channel.end();
    });
  });
  const session = await openSession(target.credentials);
  const person = await connectPerson(session);
  cleanups.push(() => void person.end());
  const result = await execOnPerson(person, 'sleep 60', undefined, (channel) =>
    channel.signal('TERM'),
  );
  expect(result).toEqual({ code: null, signal: 'SIGTERM', stdout: '' });
  person.end();
  const events = await endAndCollect(session);
  expect(events.filter((e) => ['signal', 'exit'].includes(e.eventType))).toEqual([
    expect.objectContaining({ eventType: 'signal', signal: 'TERM' }),
    expect.objectContaining({ eventType: 'exit', signal: 'SIGTERM' }),
  ]);
});

test('public-key account: scp up (sftp) and down (scp -O) with matching checksums; sftp operations are recorded without file contents', async () => {
  const session = await openSession(credentialsFor('public-key'));
  const upload = path.join(dir, 'upload.bin');
  const content = randomBytes(300_000);
  writeFileSync(upload, content);
  const remote = path.join(dir, 'home', 'uploaded.bin');
  const up = await runClient('scp', [
    ...session.ssh.map((a) => (a === '-p' ? '-P' : a)),
    upload,
    `x@127.0.0.1:${remote}`,
  ]);
  expect({ code: up.code, stderr: up.stderr, stdout: up.stdout.toString() }).toEqual({
    code: 0,
    stderr: '',
    stdout: '',
  });
  const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
  expect(sha(readFileSync(remote))).toBe(sha(content));

  const download = path.join(dir, 'downloaded.bin');
  const down = await runClient('scp', [
    '-O',
    ...session.ssh.map((a) => (a === '-p' ? '-P' : a)),
    `x@127.0.0.1:${remote}`,
    download,
  ]);
  expect(down.stderr).toBe('');
  expect(down.code).toBe(0);
  expect(sha(readFileSync(download))).toBe(sha(content));

  const listing = await runClient(
    'sftp',
    [...session.ssh.map((a) => (a === '-p' ? '-P' : a)), '-b', '-', 'x@127.0.0.1'],
    { input: `ls ${path.join(dir, 'home')}\nrename ${remote} ${remote}.2\nrm ${remote}.2\n` },
  );
  expect(listing.code).toBe(0);
  expect(listing.stdout.toString()).toContain('uploaded.bin');
  expect(existsSync(remote)).toBe(false);

  const events = await endAndCollect(session);
  const sftp = events.filter((e) => e.eventType === 'sftp');
  expect(sftp).toContainEqual(
    expect.objectContaining({
      operation: 'close',
      path: remote,
      direction: 'upload',
      bytes: 300_000,
    }),
  );
  expect(sftp).toContainEqual(expect.objectContaining({ operation: 'rename', path: remote }));
  expect(sftp).toContainEqual(
    expect.objectContaining({ operation: 'remove', path: `${remote}.2` }),
  );
  // scp -O is an exec of `scp -f`, whose bytes are the file: recorded as the exec's output.
  expect(events).toContainEqual(
    expect.objectContaining({ eventType: 'exec', command: `scp -f ${remote}` }),
  );
  // sftp channels never carry file contents into the recording.
  expect(events.some((e) => e.channelType === 'sftp' && e.data !== undefined)).toBe(false);
  expectNoSecret(
    targets.accountKey.split('\n')[1] as string,
    gateway.logs(),
    JSON.stringify(events),
  );
});

test('certificate account (target trusted through its host CA): interactive shell in a real terminal with echo, full-screen output and a window resize', async () => {
  const session = await openSession(credentialsFor('certificate'));
  const terminal = await openShell(session);
  await terminal.type('echo hi-$((6*7))\r');
  await terminal.waitForScreen(/^hi-42$/m);
  // full screen: the alternate screen, cursor addressing, then back
  await terminal.type(
    "printf '\\033[?1049h\\033[2J\\033[5;10Hfull-screen-text'; sleep 0.5; printf '\\033[?1049l'; echo done-full\r",
  );
  await terminal.waitForScreen(/^done-full$/m);
  await terminal.resize(100, 30);
  await terminal.type('stty size\r');
  await terminal.waitForScreen(/^30 100$/m);
  await terminal.type('exit\r');
  await terminal.waitForExit();

  const events = await endAndCollect(session);
  expect(events.find((e) => e.eventType === 'pty')).toMatchObject({ cols: 80, rows: 24 });
  expect(events).toContainEqual(
    expect.objectContaining({ eventType: 'resize', cols: 100, rows: 30 }),
  );
  const output = decoded(events, 'output', 'terminal');
  expect(output).toContain('hi-42');
  expect(output).toContain('\x1b[5;10Hfull-screen-text');
  expect(output).toContain('30 100');
  expect(decoded(events, 'input', 'terminal')).toContain('echo hi-$((6*7))\r');
  expect(events.find((e) => e.eventType === 'exit')).toMatchObject({ exitCode: 0 });
  expectNoSecret(targets.certKey.split('\n')[1] as string, gateway.logs(), JSON.stringify(events));
});

test('a target whose host key is not pinned (or whose host certificate is from another CA) is refused before any credential is sent', async () => {
  const impostor = { ...credentialsFor('password'), port: targets.impostor.port };
  const session = await openSession(impostor);
  const result = await runClient('ssh', [...session.ssh, 'x@127.0.0.1', 'true']);
  expect(result.code).toBe(255);
  expect(result.stderr).toMatch(
    new RegExp(
      `burrow: refusing the target 127\\.0\\.0\\.1:${targets.impostor.port}: the target's host key SHA256:\\S+ is not one the resource pins`,
    ),
  );
  await endAndCollect(session);

  const wrongCa = await openSession({
    ...credentialsFor('certificate'),
    hostCertificateAuthorities: [targets.otherHostCa],
  });
  const refused = await runClient('ssh', [...wrongCa.ssh, 'x@127.0.0.1', 'true']);
  expect(refused.code).toBe(255);
  expect(refused.stderr).toMatch(/host certificate is not trusted: .*trusted CA/);
  await endAndCollect(wrongCa);

  // The impostor saw a connection but never an authentication attempt.
  expect(targets.impostor.log()).toMatch(/Connection from 127\.0\.0\.1/);
  expect(targets.impostor.log()).not.toMatch(/Failed|Accepted|Postponed|authenticating user/);
  expect(targets.target.log()).not.toMatch(new RegExp(`Failed \\w+ for ${targets.user}`));
});

test('command blocking: a blocked command never reaches the target (exec and typed in a shell); masking hides matches in the recording', async () => {
  const marker = path.join(dir, 'home', 'blocked-marker');
  const session = await openSession(credentialsFor('public-key'), {
    'command-blocking': { patterns: ['^touch .*blocked-marker'] },
    'session-log-masking': { patterns: ['secret=\\S+'] },
  });
  const exec = await runClient('ssh', [...session.ssh, 'x@127.0.0.1', `touch ${marker}`]);
  expect(exec.code).toBe(126);
  expect(exec.stderr).toContain(
    "burrow: this command is blocked by the account's policy (^touch .*blocked-marker)",
  );
  const masked = await runClient('ssh', [...session.ssh, 'x@127.0.0.1', 'echo secret=hunter2']);
  expect(masked.stdout.toString()).toBe('secret=hunter2\n');

  const terminal = await openShell(session);
  await terminal.type(`touch ${marker}\r`);
  await terminal.waitForScreen(/burrow: this command is blocked by the account's policy/);
  await terminal.type('echo after-$((1+1))\r');
  await terminal.waitForScreen(/^after-2$/m);
  await terminal.type('exit\r');
  await terminal.waitForExit();
  expect(existsSync(marker)).toBe(false);

  const events = await endAndCollect(session);
  const blocked = events.filter((e) => e.eventType === 'blocked');
  expect(blocked.map((e) => [e.channelType, e.command])).toEqual([
    ['exec', `touch ${marker}`],
    ['terminal', `touch ${marker}`],
  ]);
  expect(decoded(events, 'input', 'terminal')).not.toContain('blocked-marker');
  const all = JSON.stringify(events) + decoded(events, 'output') + decoded(events, 'input');
  expect(all).not.toContain('hunter2');
  expect(all).toContain('[MASKED]');
});

test('masking holds across events: a secret typed key by key in a shell, or written in two pieces, never reaches the recording; the person sees every key at once', async () => {
  const secret = `s3cr3t-${randomBytes(4).toString('hex')}`;
  const session = await openSession(credentialsFor('password'), {
    'session-log-masking': { patterns: ['token=\\S+'] },
  });
  // Output in two reads: the pieces reach the gateway as separate chunks. (The second piece is
  // written as octal escapes so that the recorded command does not hold it.)
  const octal = [...secret.slice(4)].map((c) => `\\${c.charCodeAt(0).toString(8)}`).join('');
  const split = await runClient('ssh', [
    ...session.ssh,
    'x@127.0.0.1',
    `printf 'token=${secret.slice(0, 4)}'; sleep 0.5; printf '${octal}\\n'`,
  ]);
  expect(split.stdout.toString()).toBe(`token=${secret}\n`);

  const terminal = await openShell(session);
  const line = `echo token=${secret}`;
  for (const [i, key] of [...line].entries()) {
    await terminal.type(key);
    // Each key is echoed before the next is typed: each reaches the gateway on its own, and
    // nothing the person sees waits for the end of the line.
    // (The screen drops trailing blanks.)
    const typed = escapeRegExp(line.slice(0, i + 1).trimEnd());
    await terminal.waitForScreen(new RegExp(`pam\\$ ${typed}$`, 'm'));
  }
  await terminal.type('\r');
  await terminal.waitForScreen(new RegExp(`^token=${secret}$`, 'm'));
  await terminal.type('exit\r');
  await terminal.waitForExit();

  const events = await endAndCollect(session);
  const input = decoded(events, 'input', 'terminal');
  const output = decoded(events, 'output');
  for (const text of [input, output, JSON.stringify(events)]) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(4));
  }
  expect(input).toContain('echo [MASKED]\r');
  // (bash switches bracketed paste off, ESC [?2004l, before running the line)
  // eslint-disable-next-line no-control-regex
  expect(output).toMatch(/echo \[MASKED\]\r\n(\x1b\[\?2004l\r)?\[MASKED\]\r\n/);
  expect(decoded(events, 'output', 'exec')).toBe('[MASKED]\n');
});

test('agent forwarding, -L and -R forwarding are refused with a message; the target never sees them', async () => {
  const session = await openSession(credentialsFor('public-key'));
  const agentSocket = path.join(dir, 'agent.sock');
  const agent = await import('node:child_process').then(({ spawn }) =>
    spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' }),
  );
  cleanups.push(() => {
    agent.kill('SIGTERM');
  });
  await waitForSocket(agentSocket);
  // ssh only forwards an agent it uses: no IdentityAgent=none here, the agent from SSH_AUTH_SOCK.
  const withoutNoAgent = session.ssh.filter(
    (arg, i, all) => arg !== 'IdentityAgent=none' && all[i + 1] !== 'IdentityAgent=none',
  );
  const withAgent = await runClient(
    'ssh',
    [...withoutNoAgent, '-A', 'x@127.0.0.1', 'echo "agent=[$SSH_AUTH_SOCK]"'],
    { env: { SSH_AUTH_SOCK: agentSocket } },
  );
  expect(withAgent.code).toBe(0);
  expect(withAgent.stdout.toString()).toBe('agent=[]\n');
  expect(withAgent.stderr).toContain(
    'burrow: agent forwarding (-A) is refused by the Burrow gateway',
  );

  const remote = await runClient('ssh', [
    ...session.ssh,
    '-o',
    'ExitOnForwardFailure=yes',
    '-R',
    '0:127.0.0.1:9',
    'x@127.0.0.1',
    'true',
  ]);
  expect(remote.code).toBe(255);
  expect(remote.stderr).toMatch(/remote port forwarding failed/);

  const localPort = await freePort();
  const { spawn } = await import('node:child_process');
  const forward = spawn(
    'ssh',
    [
      ...session.ssh,
      '-L',
      `${localPort}:127.0.0.1:${targets.target.port}`,
      'x@127.0.0.1',
      'head -c1 >/dev/null; echo ended',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  forward.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const closed = new Promise<number | null>((resolve) => forward.once('close', resolve));
  await waitForPort(localPort, 30_000);
  const banner = await new Promise<string>((resolve) => {
    let got = '';
    const socket = net.connect(localPort, '127.0.0.1');
    socket.on('data', (b: Buffer) => (got += b.toString()));
    socket.on('error', () => resolve(got));
    socket.on('close', () => resolve(got));
  });
  // Forwarded to the target it would have answered "SSH-2.0-OpenSSH…".
  expect(banner).toBe('');
  forward.stdin.end('x');
  const code = await closed;
  expect({ code, stderr }).toEqual({
    code: 0,
    stderr: expect.stringMatching(
      /burrow: port forwarding to 127\.0\.0\.1:\d+ \(-L\) is refused by the Burrow gateway/,
    ),
  });
  // What the person was told is in the recording too.
  const events = await endAndCollect(session);
  const notices = events.filter((e) => e.eventType === 'notice').map((e) => e.message);
  expect(notices).toContain('agent forwarding (-A) is refused by the Burrow gateway');
  expect(notices).toContainEqual(expect.stringMatching(/^port forwarding to .* \(-L\) is refused/));
});

test('a target that refuses the account (wrong password) gives a clear message; an admin cancellation ends a live shell with its reason', async () => {
  const wrongPassword = `wrong-${randomBytes(6).toString('hex')}`;
  const refused = await openSession({ ...credentialsFor('password'), password: wrongPassword });
  const denied = await runClient('ssh', [...refused.ssh, 'x@127.0.0.1', 'true']);
  expect(denied.code).toBe(255);
  expect(denied.stderr).toContain(
    `burrow: the target 127.0.0.1:${targets.target.port} refused the account's credentials for ${targets.user}`,
  );
  expectNoSecret(wrongPassword, denied.stderr, gateway.logs());
  await endAndCollect(refused);

  const session = await openSession(credentialsFor('public-key'));
  const { spawn } = await import('node:child_process');
  const ssh = spawn('ssh', ['-tt', ...session.ssh, 'x@127.0.0.1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  ssh.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  ssh.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => ssh.once('close', resolve));
  ssh.stdin.write('echo live-$((2*3))\r');
  await waitUntil(() => (/live-6\r\n/.test(stdout) ? true : undefined));
  const events = await endAndCollect(session);
  expect(await exited).toBe(255);
  expect(stdout + stderr).toContain(`burrow: the PAM session ${session.sessionId} was cancelled`);
  expect(decoded(events, 'output', 'terminal')).toContain('live-6');
  expect(decoded(events, 'output', 'terminal')).toContain(
    `burrow: the PAM session ${session.sessionId} was cancelled`,
  );
});

test('the session expires at the certificate NotAfter: a live shell is told so and closed, the recording ends with it', async () => {
  // 4 s: long enough for the handshakes on a loaded machine, short enough to wait for.
  const session = await openSession(credentialsFor('public-key'), undefined, 4_000);
  const { spawn } = await import('node:child_process');
  const ssh = spawn('ssh', ['-tt', ...session.ssh, 'x@127.0.0.1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let shown = '';
  ssh.stdout.on('data', (b: Buffer) => (shown += b.toString()));
  ssh.stderr.on('data', (b: Buffer) => (shown += b.toString()));
  const exited = new Promise<number | null>((resolve) => ssh.once('close', resolve));
  ssh.stdin.write('echo live-$((2*3))\r');
  await waitUntil(() => (/live-6\r\n/.test(shown) ? true : undefined));
  // The shell is left open: only the certificate's end closes it.
  expect(await exited).toBe(255);
  const expired = new RegExp(`burrow: the PAM session ${session.sessionId} expired at \\S+Z`);
  expect(shown).toMatch(expired);
  const events = (await controlPlane.waitForEnd(session.sessionId, 30_000)) as SshEvent[];
  expect(decoded(events, 'output', 'terminal')).toContain('live-6');
  expect(decoded(events, 'output', 'terminal')).toMatch(expired);
});

test('a session without activity for the idle timeout is ended, the live shell told why', async () => {
  const idleGateway = await startGatewayProcess({
    apiUrl: controlPlane.apiUrl,
    recordingDir: path.join(dir, 'recordings-idle'),
    gatewayId: GATEWAY_ID,
    credentials: pki.credentials,
    idleTimeoutMs: 1_500,
  });
  cleanups.push(() => idleGateway.kill('SIGTERM'));
  const sessionId = randomUUID();
  controlPlane.sessions.set(sessionId, credentialsFor('public-key'));
  const certificate = await issueGatewayPamClientCertificate({
    issuer: pki.clientCa,
    orgId: ORG_ID,
    gatewayId: GATEWAY_ID,
    actor: { type: 'user', id: 'user-1', name: 'alice@example.com' },
    targetHost: '127.0.0.1',
    targetPort: targets.target.port,
    sessionId,
    resourceType: 'ssh',
    lifetimeMs: 3_600_000,
  });
  const tunnel = await openPamTunnelToPort(
    idleGateway.port,
    pki.serverCertificateChain,
    certificate,
    ALPN.pamProxy,
  );
  tunnels.push(tunnel);
  const knownHosts = writeKnownHosts(dir, tunnel.port, idleGateway.sshHostKey);
  const result = await runClient('ssh', [
    ...personSshOptions(knownHosts),
    '-p',
    String(tunnel.port),
    'x@127.0.0.1',
    'echo started; sleep 30',
  ]);
  expect(result.stdout.toString()).toBe('started\n');
  expect(result.code).toBe(255);
  expect(result.stderr).toContain(
    `burrow: the PAM session ${sessionId} ended after 1.5 s without activity`,
  );
  await controlPlane.waitForEnd(sessionId, 30_000);
});

test('SIGKILL of the gateway mid-session: the recording holds everything the terminal showed, asciinema cat of its export prints exactly that, and the restarted gateway uploads it', async () => {
  const session = await openSession(credentialsFor('password'));
  const { spawn } = await import('node:child_process');
  const ssh = spawn('ssh', ['-tt', ...session.ssh, 'x@127.0.0.1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  let shown = Buffer.alloc(0);
  const waiters: { match: RegExp; resolve: () => void }[] = [];
  ssh.stdout.on('data', (chunk: Buffer) => {
    shown = Buffer.concat([shown, chunk]);
    for (const waiter of [...waiters]) {
      if (waiter.match.test(shown.toString('utf8'))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => ssh.once('close', resolve));
  const shows = (match: RegExp): Promise<void> =>
    match.test(shown.toString('utf8'))
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
          waiters.push({ match, resolve });
          setTimeout(
            () =>
              reject(
                new Error(`terminal never showed ${match}: ${JSON.stringify(shown.toString())}`),
              ),
            30_000,
          ).unref();
        });
  ssh.stdin.write("export PS1='pam$ '\r");
  await shows(/pam\$ $/);
  ssh.stdin.write('echo before-$((20+22)) ünïcode\r');
  // The prompt after the answer: the target is idle, everything it wrote was shown.
  // (bash may switch bracketed paste on, ESC [?2004h, before the prompt)
  // eslint-disable-next-line no-control-regex
  await shows(/before-42 ünïcode\r\n(\x1b\[\?2004h)?pam\$ $/);

  await gateway.kill('SIGKILL');
  expect(await exited).toBe(255);

  const [file] = readdirSync(recordingDir).filter(
    (name) => name.startsWith(`pam_session_${session.sessionId}_ssh_`) && name.endsWith('.enc'),
  );
  expect(file).toBeDefined();
  const read = await readRecordingEvents(path.join(recordingDir, file as string), controlPlane.key);
  const events = read.events.map((item) => item.event);
  // The gateway's own export (burrow-gateway recordings export --format asciicast).
  const cast = path.join(dir, 'killed.cast');
  const out = createWriteStream(cast);
  const exported = await exportRecording(
    path.join(recordingDir, file as string),
    controlPlane.key,
    'asciicast',
    out,
  );
  await new Promise<void>((resolve) => out.end(resolve));
  expect(exported.events).toBe(events.length);
  expect(await asciinemaCat(cast)).toBe(shown.toString('utf8'));
  const commands = new PassThrough();
  let log = '';
  commands.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await exportRecording(
    path.join(recordingDir, file as string),
    controlPlane.key,
    'commands',
    commands,
  );
  expect(log).toMatch(/\[terminal#\d+\] \$ echo before-\$\(\(20\+22\)\) ünïcode\n/);

  gateway = await startGateway();
  const uploaded = await waitUntil(() => {
    const got = controlPlane.events.get(session.sessionId) ?? [];
    return got.length >= events.length ? got : undefined;
  });
  expect(uploaded).toEqual(events);
});

/**
 * An in-process ssh2 server as a target (any login accepted), whose `onExec` answers each exec;
 * `credentials` is a password account for it with its host key pinned.
 */
async function startScriptedTarget(
  name: string,
  onExec: (channel: ssh2.ServerChannel, session: ssh2.Session) => void,
): Promise<{ port: number; credentials: FakeSshCredentials }> {
  const hostKeyFile = path.join(dir, `${name}-host-key`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyFile]);
  const clients = new Set<ssh2.Connection>();
  const server = new ssh2.Server({ hostKeys: [readFileSync(hostKeyFile)] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (context) => context.accept());
    client.on('session', (accept) => {
      const session = accept();
      session.once('exec', (acceptExec) => onExec(acceptExec(), session));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // (close waits for the connections: a test that failed mid-session leaves the gateway's open)
  cleanups.push(() => {
    for (const client of clients) client.end();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    credentials: {
      host: '127.0.0.1',
      port,
      username: 'anyone',
      hostKeys: [readFileSync(`${hostKeyFile}.pub`, 'utf8').trim()],
      authMethod: 'password',
      password: 'unused',
    },
  };
}

/** An ssh2 client as the person, through the session's listener, pinning the gateway's key. */
async function connectPerson(session: TestSession): Promise<ssh2.Client> {
  const pinned = Buffer.from(gateway.sshHostKey.split(' ')[1] as string, 'base64');
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', reject);
    client.connect({
      host: '127.0.0.1',
      port: session.tunnel.port,
      username: 'whoever',
      hostVerifier: (key: Buffer) => key.equals(pinned),
      readyTimeout: 30_000,
    });
  });
  client.on('error', () => undefined);
  return client;
}

/** Runs `command` over `person`; `onOutput` sees the stdout so far after each chunk. */
function execOnPerson(
  person: ssh2.Client,
  command: string,
  onOutput: (channel: ssh2.ClientChannel, stdout: string) => void = () => undefined,
  onOpen: (channel: ssh2.ClientChannel) => void = () => undefined,
): Promise<{ code: number | null; signal: string | undefined; stdout: string }> {
  return new Promise((resolve, reject) => {
    person.exec(command, (error, channel) => {
      if (error) return reject(error);
      let stdout = '';
      let exit: { code: number | null; signal: string | undefined } = {
        code: null,
        signal: undefined,
      };
      channel.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        onOutput(channel, stdout);
      });
      channel.stderr.resume();
      channel.on('exit', (code: number | null, signal?: string) => (exit = { code, signal }));
      channel.on('close', () => resolve({ ...exit, stdout }));
      onOpen(channel);
    });
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function waitForSocket(file: string): Promise<void> {
  await waitUntil(() => (existsSync(file) ? true : undefined));
}

/** Polls `check` (an in-process condition, no sleep in the assertion) until it answers, 30 s. */
async function waitUntil<T>(check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
