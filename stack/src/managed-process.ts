import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/**
 * A child process the stack started and will stop: its output goes to a log file and is kept in
 * memory (last lines) so a caller can wait for a log message, e.g. "Relay started successfully".
 * Stopping sends SIGTERM to its PID, then SIGKILL after a grace period; never by name.
 */
export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  logFile: string;
}

/** Lines of output kept in memory for waitFor(); older lines are only in the log file. */
const MAX_LINES_KEPT = 5_000;
/** Time a process gets to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  /** How it was started (a restart starts the same again). */
  readonly options: ManagedProcessOptions;
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private readonly waiters = new Set<() => void>();
  private exited: Promise<number | null>;

  constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    this.options = options;
    const log = fs.createWriteStream(options.logFile, { flags: 'a', mode: 0o600 });
    this.child = spawn(options.command, options.args, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        this.lines.push(line);
        if (this.lines.length > MAX_LINES_KEPT) this.lines.shift();
      }
      for (const wake of this.waiters) wake();
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        log.end();
        for (const wake of this.waiters) wake();
        resolve(code ?? (signal ? -1 : null));
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Output lines so far (most recent MAX_LINES_KEPT). */
  output(): string[] {
    return [...this.lines];
  }

  /** Resolves with the first output line matching `pattern`; rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs = 30_000, fromLine = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      let checkedUpTo = fromLine;
      const check = (): boolean => {
        for (; checkedUpTo < this.lines.length; checkedUpTo++) {
          const line = this.lines[checkedUpTo] as string;
          if (pattern.test(line)) {
            done();
            resolve(line);
            return true;
          }
        }
        if (!this.running) {
          done();
          reject(
            new Error(
              `${this.name} exited before logging ${pattern}; see ${this.logFile}:\n${this.tail()}`,
            ),
          );
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `${this.name} did not log ${pattern} within ${timeoutMs} ms; see ${this.logFile}:\n${this.tail()}`,
          ),
        );
      }, timeoutMs);
      const wake = (): void => void check();
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      this.waiters.add(wake);
      check();
    });
  }

  /** Number of output lines seen so far, to wait only for lines that come later. */
  get lineCount(): number {
    return this.lines.length;
  }

  /** The output lines from line `from` on (see {@link lineCount}). */
  linesSince(from: number): string[] {
    return this.lines.slice(from);
  }

  tail(count = 15): string {
    return this.lines.slice(-count).join('\n');
  }

  /**
   * Sends `signal` to the process and waits for its exit; SIGKILL after `graceMs` (default
   * STOP_GRACE_MS). A process that drains on SIGTERM gets its own drain deadline as `graceMs`,
   * so that the test waits for its exit, not for a guess of how long the drain takes.
   */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
    { graceMs = STOP_GRACE_MS }: { graceMs?: number } = {},
  ): Promise<number | null> {
    if (this.running && this.pid !== undefined) {
      process.kill(this.pid, signal);
      const timer = setTimeout(() => {
        if (this.running && this.pid !== undefined) process.kill(this.pid, 'SIGKILL');
      }, graceMs);
      const code = await this.exited;
      clearTimeout(timer);
      return code;
    }
    return this.exited;
  }
}
