/**
 * A real terminal for interactive ssh: a private tmux server (its own socket in the suite's temp
 * dir, no user config) running one command in a window of a given size. Tests type into it, read
 * its screen, resize it (the person's ssh then sends window-change) and wait for the command to
 * exit (the pane stays, remain-on-exit, so its status can be read).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
let counter = 0;

/** How long the screen may take to show what a test waits for on a loaded machine. */
const SCREEN_TIMEOUT_MS = 30_000;

export class TmuxTerminal {
  private readonly socket: string;
  private stopped = false;

  private constructor(socket: string) {
    this.socket = socket;
  }

  static async start(
    dir: string,
    argv: string[],
    cols: number,
    rows: number,
  ): Promise<TmuxTerminal> {
    const socket = path.join(dir, `tmux-${process.pid}-${++counter}.sock`);
    const terminal = new TmuxTerminal(socket);
    await terminal.tmux([
      'new-session',
      '-d',
      '-s',
      'pam',
      '-x',
      String(cols),
      '-y',
      String(rows),
      '-e',
      'LC_ALL=C.UTF-8',
      ...argv,
      ';',
      'set-option',
      '-g',
      'remain-on-exit',
      'on',
    ]);
    return terminal;
  }

  /** Types `text`; each `\r` is the Enter key. */
  async type(text: string): Promise<void> {
    const parts = text.split('\r');
    for (const [i, part] of parts.entries()) {
      if (part !== '') await this.tmux(['send-keys', '-t', 'pam', '-l', part]);
      if (i < parts.length - 1) await this.tmux(['send-keys', '-t', 'pam', 'Enter']);
    }
  }

  /** The visible screen, trailing blanks of each line removed. */
  async screen(): Promise<string> {
    return (await this.tmux(['capture-pane', '-p', '-t', 'pam'])).replace(/[ \t]+$/gm, '');
  }

  async waitForScreen(match: RegExp): Promise<string> {
    const deadline = Date.now() + SCREEN_TIMEOUT_MS;
    for (;;) {
      const text = await this.screen();
      if (match.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${match}:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.tmux(['resize-window', '-t', 'pam', '-x', String(cols), '-y', String(rows)]);
  }

  /** Resolves with the command's exit status once it exited. */
  async waitForExit(): Promise<number> {
    const deadline = Date.now() + SCREEN_TIMEOUT_MS;
    for (;;) {
      const [dead, status] = (
        await this.tmux(['display-message', '-p', '-t', 'pam', '#{pane_dead} #{pane_dead_status}'])
      )
        .trim()
        .split(' ');
      if (dead === '1') return Number(status);
      if (Date.now() > deadline)
        throw new Error(`the command did not exit:\n${await this.screen()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.tmux(['kill-server']).catch(() => undefined);
  }

  private async tmux(args: string[]): Promise<string> {
    const { stdout } = await run('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], {
      timeout: 15_000,
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
    });
    return stdout;
  }
}
