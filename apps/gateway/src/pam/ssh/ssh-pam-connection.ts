/**
 * One person's SSH connection of a PAM session (SSH-CONTRACT.md "The person's side"), carried
 * over the inner TLS stream the PAM certificate already authenticated and authorised:
 *
 *   person  ──SSH (the gateway's PAM host key; `none`, or any password/publickey, accepted: the
 *             username typed is ignored)──▶ gateway ──SSH (ssh-target.ts: the account's login,
 *             the target's host key checked first)──▶ target
 *
 *   session channel   pty-req, env: kept, then passed with the shell/exec to the target
 *                     shell → target shell (PTY if asked); exec → target exec (command blocking
 *                     checked first); subsystem sftp → target sftp (operations recorded by
 *                     sftp-operations.ts); other subsystems refused
 *                     window-change, signal → target (one sent while the target's channel is
 *                     still opening follows once it is open); exit-status / exit-signal ← target
 *   refused, with a line on the person's stderr: auth-agent-req, x11-req, direct-tcpip (-L),
 *                     tcpip-forward / streamlocal-forward (-R)
 *   recording         every byte to and from the person through SshChannelRecorder, on disk
 *                     before it is passed on (fail closed: a failed write closes the connection);
 *                     with masking patterns, at the end of its line (ssh-event-recorder.ts)
 *   deadlines         the person's handshake PERSON_HANDSHAKE_TIMEOUT_MS, the target's
 *                     TARGET_HANDSHAKE_TIMEOUT_MS; keepalives on both connections
 *
 * The target is dialled once the person is authenticated; a shell/exec/subsystem waits for it. A
 * target that cannot be used (session ended, credentials refused, host key not trusted) is told
 * to the person on the channel's stderr with exit status 255.
 */
import type { Socket } from 'node:net';
import type tls from 'node:tls';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '@burrow/observability';
import ssh2 from 'ssh2';
import type {
  AuthContext,
  Client,
  ClientChannel,
  Connection,
  PseudoTtyInfo,
  ServerChannel,
  Session,
} from 'ssh2';
import type { PamConnection } from '../pam-protocol.ts';
import type { SshCredentials } from './ssh-credentials.ts';
import type { SshEventSink, SshChannelType } from './ssh-event-recorder.ts';
import { SshChannelRecorder } from './ssh-event-recorder.ts';
import type { PamSshHostKey } from './ssh-host-key.ts';
import { blockingMatch, type SshPolicy } from './ssh-policy-rules.ts';
import { SftpOperationRecorder } from './sftp-operations.ts';
import { connectToTarget } from './ssh-target.ts';
import { TerminalLineGate } from './terminal-line-gate.ts';
import {
  PAM_SSH_KEEPALIVE_COUNT_MAX,
  PAM_SSH_KEEPALIVE_INTERVAL_MS,
  PERSON_HANDSHAKE_TIMEOUT_MS,
} from './ssh-timeouts.ts';

/** What one SSH session's credentials answer gives the protocol. */
export interface SshSessionCredentials {
  readonly target: SshCredentials;
  readonly policy: SshPolicy;
}

/** What a connection needs from its PAM session. */
export interface SshConnectionContext extends SshEventSink {
  readonly sessionId: string;
  credentials(): Promise<SshSessionCredentials>;
  /** A channel number unique within the session (for the recording). */
  nextChannelId(): number;
  hostKey(): Promise<PamSshHostKey>;
}

/** Session requests that the bridge of the session's channel handles once it runs. */
interface SessionControls {
  resize?: (cols: number, rows: number, width: number, height: number) => void;
  signal?: (name: string) => void;
  /** Signals the person sent before the bridge ran (the target's channel was still opening). */
  readonly earlySignals: string[];
}

/** Exit status the person's ssh gets when the gateway could not run the request. */
const GATEWAY_FAILURE_EXIT = 255;
/** How long a terminated connection waits for its channels to close before it is cut. */
const TERMINATE_GRACE_MS = 2_000;
/** Signals kept while the target's channel opens; a person flooding them loses the rest. */
const MAX_EARLY_SIGNALS = 16;
/** Exit status of a command refused by command-blocking ("cannot execute"). */
const BLOCKED_EXIT = 126;

export class SshPamConnection implements PamConnection {
  readonly closed: Promise<void>;
  private readonly caller: tls.TLSSocket;
  private readonly context: SshConnectionContext;
  private readonly logger: Logger;
  private person: Connection | undefined;
  private target: Promise<{ client: Client; policy: SshPolicy }> | undefined;
  private targetClient: Client | undefined;
  /** Open person channels with a stderr, for notices and the end-of-session message. */
  private readonly channels = new Set<ServerChannel>();
  private readonly pendingNotices: string[] = [];
  /** The recorder of each open person channel, once its target channel is being set up. */
  private readonly recorders = new Map<ServerChannel, SshChannelRecorder>();
  private handshakeTimer: NodeJS.Timeout | undefined;
  private ending = false;

  constructor(caller: tls.TLSSocket, context: SshConnectionContext, logger: Logger) {
    this.caller = caller;
    this.context = context;
    this.logger = logger;
    this.closed = new Promise((resolve) => caller.once('close', () => resolve()));
    void this.closed.then(() => this.cleanUp());
  }

  start(): void {
    this.caller.on('error', (error: Error) =>
      this.logger.debug({ error: error.message }, 'PAM SSH caller stream error'),
    );
    this.handshakeTimer = setTimeout(() => {
      this.logger.warn('PAM SSH person did not finish the SSH handshake in time');
      this.caller.destroy();
    }, PERSON_HANDSHAKE_TIMEOUT_MS);
    this.handshakeTimer.unref();
    void this.context.hostKey().then(
      (hostKey) => this.serve(hostKey),
      (error: unknown) => {
        this.logger.error({ error: messageOf(error) }, 'PAM SSH host key unavailable');
        this.caller.destroy();
      },
    );
  }

  terminate(reason: string): void {
    if (this.ending) return;
    this.ending = true;
    const text = Buffer.from(`\r\nburrow: ${reason}\r\n`);
    const closing = [...this.channels].map(async (channel) => {
      const closed = new Promise<void>((resolve) => channel.once('close', () => resolve()));
      // The gateway's own words are recorded like the target's, after the unfinished lines the
      // recorder still carries (best effort: the recording may be why the connection ends).
      const recorder = this.recorders.get(channel);
      if (recorder) {
        await recorder
          .flush()
          .then(() => recorder.output(text, 'stderr'))
          .catch(() => undefined);
      }
      writeQuietly(channel.stderr, text);
      try {
        channel.exit(GATEWAY_FAILURE_EXIT);
      } catch {
        // already closed
      }
      channel.end();
      await closed;
    });
    // The person's ssh gets the message and the exit status before the connection goes; the
    // target is let go only then (its close would otherwise close the channels first).
    const grace = new Promise<void>((resolve) => setTimeout(resolve, TERMINATE_GRACE_MS).unref());
    void Promise.race([Promise.all(closing), grace]).then(() => {
      this.targetClient?.end();
      this.person?.end();
      setTimeout(() => this.caller.destroy(), TERMINATE_GRACE_MS).unref();
    });
  }

  private serve(hostKey: PamSshHostKey): void {
    if (this.caller.destroyed) return;
    const server = new ssh2.Server(
      {
        hostKeys: [hostKey.privateKey],
        ident: 'Burrow_PAM',
        keepaliveInterval: PAM_SSH_KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: PAM_SSH_KEEPALIVE_COUNT_MAX,
      } as ssh2.ServerConfig,
      (person: Connection) => this.onPerson(person),
    );
    server.injectSocket(this.caller as unknown as Socket);
  }

  private onPerson(person: Connection): void {
    this.person = person;
    person.on('error', (error: Error) =>
      this.logger.debug({ error: error.message }, 'PAM SSH person connection error'),
    );
    person.on('close', () => this.caller.destroy());
    // The inner mTLS PAM certificate already authenticated and authorised this stream.
    person.on('authentication', (ctx: AuthContext) => ctx.accept());
    person.on('ready', () => {
      clearTimeout(this.handshakeTimer);
      this.target = this.dialTarget();
      this.target.catch(() => undefined);
    });
    person.on('session', (accept) => this.onSession(accept()));
    person.on('tcpip', (_accept, reject, info) => {
      reject();
      this.notice(
        `port forwarding to ${info.destIP}:${info.destPort} (-L) is refused by the Burrow gateway`,
      );
    });
    person.on('request', (_accept, reject, name) => {
      reject?.();
      if (name === 'tcpip-forward' || (name as string) === 'streamlocal-forward@openssh.com') {
        this.notice('remote port forwarding (-R) is refused by the Burrow gateway');
      }
    });
  }

  private async dialTarget(): Promise<{ client: Client; policy: SshPolicy }> {
    const { target, policy } = await this.context.credentials();
    const client = await connectToTarget(target);
    this.targetClient = client;
    client.on('error', (error: Error) =>
      this.logger.warn({ error: error.message }, 'PAM SSH target connection error'),
    );
    client.on('close', () => this.terminate('the target closed the connection'));
    if (this.ending) client.end();
    this.logger.info({ target: `${target.host}:${target.port}` }, 'PAM SSH target connected');
    return { client, policy };
  }

  private onSession(session: Session): void {
    let pty: PseudoTtyInfo | undefined;
    const env: Record<string, string> = {};
    // window-change and signal arrive on the session; the bridge, once running, takes them.
    const controls: SessionControls = { earlySignals: [] };
    session.on('window-change', (accept, _reject, info) => {
      accept?.();
      if (controls.resize) controls.resize(info.cols, info.rows, info.width, info.height);
      else if (pty) pty = { ...pty, cols: info.cols, rows: info.rows };
    });
    session.on('signal', (accept, _reject, info) => {
      accept?.();
      if (controls.signal) controls.signal(info.name);
      else if (controls.earlySignals.length < MAX_EARLY_SIGNALS) {
        controls.earlySignals.push(info.name);
      }
    });
    session.on('pty', (accept, _reject, info) => {
      pty = info;
      accept?.();
    });
    session.on('env', (accept, _reject, info) => {
      env[info.key] = info.val;
      accept?.();
    });
    session.on('auth-agent', (_accept, reject) => {
      reject?.();
      this.notice('agent forwarding (-A) is refused by the Burrow gateway');
    });
    session.on('x11', (_accept, reject) => {
      reject?.();
      this.notice('X11 forwarding is refused by the Burrow gateway');
    });
    session.on('shell', (accept, reject) => {
      void this.startChannel('terminal', accept, reject, { pty, env }, controls);
    });
    session.on('exec', (accept, reject, info) => {
      void this.startChannel('exec', accept, reject, { pty, env, command: info.command }, controls);
    });
    session.on('subsystem', (accept, reject, info) => {
      if (info.name !== 'sftp') {
        reject?.();
        this.notice(`the subsystem ${JSON.stringify(info.name)} is refused by the Burrow gateway`);
        return;
      }
      void this.startChannel('sftp', accept, reject, { pty: undefined, env }, controls);
    });
  }

  private async startChannel(
    type: SshChannelType,
    accept: (() => ServerChannel) | undefined,
    reject: (() => void) | undefined,
    request: { pty: PseudoTtyInfo | undefined; env: Record<string, string>; command?: string },
    controls: SessionControls,
  ): Promise<void> {
    if (!accept || this.ending) {
      reject?.();
      return;
    }
    // Accepted at once (the person's ssh may already have sent EOF on the session, after which
    // ssh2 cannot accept it any more); its input waits, paused, until the target's channel is open.
    const channel = accept();
    if (!channel) return;
    channel.pause();
    this.channels.add(channel);
    channel.once('close', () => {
      this.channels.delete(channel);
      // Lines still carried for masking are recorded (best effort: the session may have ended).
      void this.recorders
        .get(channel)
        ?.flush()
        .catch(() => undefined);
      this.recorders.delete(channel);
    });
    const refuse = (reason: string): void => {
      writeQuietly(channel.stderr, `burrow: ${reason}\r\n`);
      channel.exit(GATEWAY_FAILURE_EXIT);
      channel.end();
    };
    let target: { client: Client; policy: SshPolicy };
    try {
      if (!this.target) throw new Error('the person is not authenticated');
      target = await this.target;
    } catch (error) {
      const reason = messageOf(error);
      this.logger.warn({ error: reason }, 'PAM SSH session refused');
      refuse(reason);
      this.terminate(reason);
      return;
    }
    const recorder = new SshChannelRecorder(
      this.context,
      target.policy,
      this.context.nextChannelId(),
      type,
    );
    this.recorders.set(channel, recorder);
    this.flushNotices();
    try {
      if (request.pty && type !== 'sftp') {
        await recorder.event('pty', {
          term: request.pty.term,
          cols: request.pty.cols,
          rows: request.pty.rows,
        });
      }
      if (type === 'exec') {
        const command = request.command ?? '';
        const blocked = blockingMatch(command.trim(), target.policy);
        if (blocked) {
          await recorder.event('blocked', { command, pattern: blocked.source });
          const message = `burrow: this command is blocked by the account's policy (${blocked.source})\r\n`;
          await recorder.output(Buffer.from(message), 'stderr');
          writeQuietly(channel.stderr, message);
          await recorder.event('exit', { exitCode: BLOCKED_EXIT });
          channel.exit(BLOCKED_EXIT);
          channel.end();
          return;
        }
        await recorder.event('exec', { command });
      } else if (type === 'terminal') {
        await recorder.event('shell');
      } else {
        await recorder.event('sftp', { operation: 'start' });
      }
    } catch (error) {
      this.failClosed(error);
      return;
    }
    let targetChannel: OpenedTargetChannel;
    try {
      targetChannel = await openTargetChannel(target.client, type, request);
    } catch (error) {
      refuse(`the target refused the ${type === 'terminal' ? 'shell' : type}: ${messageOf(error)}`);
      return;
    }
    this.bridge(
      channel,
      targetChannel,
      recorder,
      target.policy,
      request.pty !== undefined,
      controls,
    );
    channel.resume();
  }

  /** Copies both ways through the recorder, in order, with backpressure. */
  private bridge(
    person: ServerChannel,
    { channel: target, exitBeforeBridge }: OpenedTargetChannel,
    recorder: SshChannelRecorder,
    policy: SshPolicy,
    hasPty: boolean,
    controls: SessionControls,
  ): void {
    const toPerson = new OrderedQueue((error) => this.failClosed(error));
    const toTarget = new OrderedQueue((error) => this.failClosed(error));
    const show = async (data: Buffer, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> => {
      await recorder.output(data, stream);
      await writeWithBackpressure(stream === 'stderr' ? person.stderr : person, data);
    };

    const sftp = recorder.channelType === 'sftp' ? new SftpOperationRecorder(recorder) : undefined;
    // sftp: operations are recorded (sftp-operations.ts), file contents are not.
    pump(target, toPerson, (chunk) => {
      if (!sftp) return show(chunk);
      sftp.fromServer(chunk);
      return writeWithBackpressure(person, chunk);
    });
    pump(target.stderr, toPerson, (chunk) => show(chunk, 'stderr'));
    const earlyExit = exitBeforeBridge();
    const passExit = async ({
      code,
      signal,
      coreDumped,
      description,
    }: TargetExit): Promise<void> => {
      await recorder.flush();
      if (typeof code === 'number') {
        await recorder.event('exit', { exitCode: code });
        person.exit(code);
      } else if (signal) {
        await recorder.event('exit', { signal });
        person.exit(signal, coreDumped, description);
      }
    };
    target.on('exit', (code: number | null, signal?: string, coreDumped?: boolean, desc?: string) =>
      toPerson.push(() =>
        passExit({ code, signal, coreDumped: coreDumped === true, description: desc ?? '' }),
      ),
    );
    // The target's EOF is passed on with its close: ssh2 drops an exit-status sent after EOF, and
    // OpenSSH sends EOF before exit-status. The close waits until our writes reached the channel.
    // An exit that came before this bridge existed goes out here, after the output it followed.
    target.on('close', () =>
      toPerson.push(async () => {
        await recorder.flush();
        if (earlyExit) await passExit(earlyExit);
        await new Promise<void>((resolve) => {
          if (person.writableFinished || person.destroyed) return resolve();
          person.once('finish', resolve);
          person.once('close', resolve);
          person.end();
        });
        person.close();
      }),
    );

    const gate =
      recorder.channelType === 'terminal' && policy.commandBlocking.length > 0
        ? new TerminalLineGate(policy, hasPty)
        : undefined;
    pump(person, toTarget, async (chunk) => {
      if (sftp) {
        await sftp.fromClient(chunk);
        await writeWithBackpressure(target, chunk);
        return;
      }
      if (!gate) {
        await recorder.input(chunk);
        await writeWithBackpressure(target, chunk);
        return;
      }
      for (const action of gate.feed(chunk)) {
        if (action.kind === 'forward') {
          await recorder.input(action.data);
          await writeWithBackpressure(target, action.data);
        } else if (action.kind === 'echo') {
          await toPerson.run(() => show(action.data));
        } else {
          await recorder.event('blocked', { command: action.command, pattern: action.pattern });
          await toPerson.run(() =>
            show(
              Buffer.from(
                `\r\nburrow: this command is blocked by the account's policy (${action.pattern})\r\n`,
              ),
            ),
          );
        }
      }
    });
    person.on('end', () => toTarget.push(async () => void target.end()));
    person.on('close', () => toTarget.push(async () => void target.close()));

    controls.resize = (cols, rows, width, height) =>
      void toTarget.push(async () => {
        await recorder.event('resize', { cols, rows });
        target.setWindow(rows, cols, height, width);
      });
    controls.signal = (name) =>
      void toTarget.push(async () => {
        await recorder.event('signal', { signal: name });
        try {
          target.signal(name);
        } catch {
          // ssh2 refuses a name outside RFC 4254's list: the person is told, nothing else changes.
          this.notice(`the signal ${JSON.stringify(name)} is not one SSH defines: not passed on`);
        }
      });
    for (const name of controls.earlySignals.splice(0)) controls.signal(name);
  }

  /** Tells the person about a refused request on the first channel that can show it. */
  private notice(message: string): void {
    this.logger.info({ notice: message }, 'PAM SSH request refused');
    this.pendingNotices.push(message);
    this.flushNotices();
  }

  /** Notices go to the first channel with a recording: recorded (as `notice` and output), then shown. */
  private flushNotices(): void {
    const entry = [...this.recorders.entries()].find(([channel]) => this.channels.has(channel));
    if (!entry) return;
    const [channel, recorder] = entry;
    for (const message of this.pendingNotices.splice(0)) {
      const text = Buffer.from(`burrow: ${message}\r\n`);
      void recorder
        .event('notice', { message })
        .then(() => recorder.output(text, 'stderr'))
        .then(
          () => writeQuietly(channel.stderr, text),
          (error: unknown) => this.failClosed(error),
        );
    }
  }

  /** The recording could not be written: nothing more may pass (fail closed). */
  private failClosed(error: unknown): void {
    this.logger.error({ error: messageOf(error) }, 'PAM SSH connection closed: recording failed');
    this.terminate('the gateway cannot record this session, so it is closed');
  }

  private cleanUp(): void {
    clearTimeout(this.handshakeTimer);
    this.targetClient?.end();
  }
}

/** How the target's command ended (its exit-status or exit-signal request). */
interface TargetExit {
  readonly code: number | null;
  readonly signal: string | undefined;
  readonly coreDumped: boolean;
  readonly description: string;
}

interface OpenedTargetChannel {
  readonly channel: ClientChannel;
  /** The exit the target reported before the bridge listened, if it did; call once, at bridging. */
  readonly exitBeforeBridge: () => TargetExit | undefined;
}

/**
 * Opens the target's channel. A quick command's whole answer (success, output, EOF, exit-status,
 * close) can arrive in one TCP read, which ssh2 parses in one go: its `exit` event fires before the
 * caller's `await` resumes, so an `exit` listener is attached here, in the same tick as the open.
 * (Output is safe: the channel buffers it until read.)
 */
function openTargetChannel(
  client: Client,
  type: SshChannelType,
  request: { pty: PseudoTtyInfo | undefined; env: Record<string, string>; command?: string },
): Promise<OpenedTargetChannel> {
  const pty = request.pty
    ? {
        term: request.pty.term,
        rows: request.pty.rows,
        cols: request.pty.cols,
        width: request.pty.width,
        height: request.pty.height,
        modes: request.pty.modes,
      }
    : undefined;
  return new Promise((resolve, reject) => {
    const done = (error: Error | undefined, channel: ClientChannel): void => {
      if (error) return reject(error);
      let exit: TargetExit | undefined;
      let bridged = false;
      channel.once(
        'exit',
        (code: number | null, signal?: string, coreDumped?: boolean, desc?: string) => {
          if (!bridged) {
            exit = { code, signal, coreDumped: coreDumped === true, description: desc ?? '' };
          }
        },
      );
      resolve({
        channel,
        exitBeforeBridge: () => {
          bridged = true;
          return exit;
        },
      });
    };
    const env = { ...request.env };
    if (type === 'terminal') client.shell(pty ?? false, { env }, done);
    else if (type === 'exec')
      client.exec(request.command ?? '', { env, ...(pty ? { pty } : {}) }, done);
    else client.subsys('sftp', done);
  });
}

/** Runs tasks one after another; a failing task stops the queue and reports once. */
class OrderedQueue {
  private chain: Promise<void> = Promise.resolve();
  private failed = false;
  private readonly onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.onError = onError;
  }

  push(task: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.failed) return;
      try {
        await task();
      } catch (error) {
        this.failed = true;
        this.onError(error);
      }
    });
    return this.chain;
  }

  /** Runs `task` in this queue's order from inside another queue's task. */
  run(task: () => Promise<void>): Promise<void> {
    return this.push(task);
  }
}

/** Each chunk of `source` is handled in `queue`'s order; `source` waits meanwhile (backpressure). */
function pump(
  source: Readable,
  queue: OrderedQueue,
  handle: (chunk: Buffer) => Promise<void>,
): void {
  let pending = 0;
  source.on('data', (chunk: Buffer) => {
    pending += 1;
    source.pause();
    void queue
      .push(() => handle(chunk))
      .then(() => {
        pending -= 1;
        if (pending === 0) source.resume();
      });
  });
}

function writeWithBackpressure(stream: Writable, data: Buffer): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  if (stream.write(data)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}

function writeQuietly(stream: Writable, text: string | Buffer): void {
  if (stream.destroyed || stream.writableEnded) return;
  try {
    stream.write(text);
  } catch {
    // the channel is going away
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
