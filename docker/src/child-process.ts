/**
 * One child process of the loopback compose run: output to a log file, a bounded tail for error
 * messages, waiting for its exit, and a stop by PID (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** Compose's default stop grace period. */
const STOP_GRACE_MS = 10_000;
const TAIL_BYTES = 4_000;

export class ChildProcessHandle {
  readonly name: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;
  private tailText = '';

  constructor(
    name: string,
    argv: readonly string[],
    env: Record<string, string>,
    logFile: string,
    cwd: string,
  ) {
    this.name = name;
    this.logFile = logFile;
    const log = fs.createWriteStream(logFile);
    const [command, ...args] = argv;
    if (command === undefined) throw new Error(`${name}: empty command`);
    this.child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const capture = (chunk: Buffer): void => {
      log.write(chunk);
      this.tailText = (this.tailText + chunk.toString('utf8')).slice(-TAIL_BYTES);
    };
    this.child.stdout?.on('data', capture);
    this.child.stderr?.on('data', capture);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        capture(Buffer.from(`spawn failed: ${error.message}\n`));
        this.exitCode = -1;
        resolve(-1);
      });
      this.child.on('exit', (code, signal) => {
        this.exitCode = code ?? (signal === null ? null : -1);
        log.end();
        resolve(this.exitCode);
      });
    });
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  get code(): number | null | undefined {
    return this.exitCode;
  }

  tail(): string {
    return this.tailText;
  }

  wait(): Promise<number | null> {
    return this.exited;
  }

  async stop(): Promise<void> {
    if (!this.running || this.child.pid === undefined) return;
    process.kill(this.child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (this.running && this.child.pid !== undefined) process.kill(this.child.pid, 'SIGKILL');
    }, STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}
