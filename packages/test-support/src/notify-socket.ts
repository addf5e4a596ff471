import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * systemd's end of NOTIFY_SOCKET for tests: a unix datagram socket in a fresh temp directory
 * (python3 binds it, since Node has no unix datagram sockets) that collects what a service
 * sends with sd_notify, one datagram per entry, newlines shown as spaces (the `BARRIER=1` that
 * systemd-notify sends after each message is left out).
 *
 * @example
 *   const notify = await NotifySocket.open();
 *   // start the service with NOTIFY_SOCKET=notify.path
 *   expect(await notify.nextDatagram()).toContain('READY=1');
 *   await notify.close();
 */
const LISTENER = [
  'import socket, sys',
  's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
  's.bind(sys.argv[1])',
  'print("bound", flush=True)',
  'while True:',
  '    print(s.recv(65536).decode(errors="replace").replace("\\n", " ").strip(), flush=True)',
].join('\n');

export class NotifySocket {
  readonly path: string;
  readonly #dir: string;
  readonly #child: ChildProcess;
  readonly #datagrams: string[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(dir: string, child: ChildProcess) {
    this.#dir = dir;
    this.path = path.join(dir, 'notify');
    this.#child = child;
  }

  static async open(): Promise<NotifySocket> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-notify-'));
    const child = spawn('python3', ['-c', LISTENER, path.join(dir, 'notify')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const socket = new NotifySocket(dir, child);
    let buffered = '';
    let bound: () => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      bound = resolve;
      child.once('exit', (code) => reject(new Error(`notify socket listener exited ${code}`)));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'bound') bound();
        // systemd-notify follows each message with a barrier (an fd systemd closes); no state.
        else if (line !== 'BARRIER=1') socket.#datagrams.push(line);
      }
      for (const wake of socket.#waiters) wake();
    });
    await ready;
    return socket;
  }

  /** The next datagram not yet returned, waiting up to `timeoutMs`. */
  nextDatagram(timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const datagram = this.#datagrams.shift();
        if (datagram === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(datagram);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no sd_notify datagram within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** Stops the listener (by its PID) and removes the directory. */
  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = new Promise((resolve) => this.#child.once('exit', resolve));
      this.#child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.#dir, { recursive: true, force: true });
  }
}
