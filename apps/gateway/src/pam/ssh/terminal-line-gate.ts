/**
 * Command blocking on a shell channel (reference §8.3 "input buffered until CR/LF or 1024 bytes",
 * policyRules.command-blocking): the person's keystrokes are held by the gateway until the line
 * is complete, checked against the patterns, and only then sent to the target.
 *
 *   printable bytes   held; with a PTY echoed to the person by the gateway (the target's echo
 *                     comes when the line is sent, after the gateway erased its own)
 *   DEL / BS          removes the last held character (echo `\b \b`)
 *   CR / LF           the line (what was sent since the last CR plus what is held) is checked:
 *                     allowed → erase the local echo, send held bytes + CR;
 *                     blocked → erase, send Ctrl-U + CR to the target (drops anything of the
 *                     line already sent, gets a fresh prompt), tell the person; never sent
 *   Ctrl-C, Ctrl-U    drop what is held; forwarded (the target sees the interrupt / kill-line)
 *   other control     (tab, escape sequences, Ctrl-D…): the line so far is checked like CR, then
 *                     held bytes and the control byte are sent; the line keeps accumulating
 *   1024 held bytes   checked and sent like a control byte
 *
 * Limits (a guard rail, not a sandbox): the gateway sees keystrokes, not the target shell's line
 * editor, so a command assembled by tab completion or history recall is checked as typed.
 * With no blocking pattern the channel is not gated at all (bytes pass straight through).
 */
import { blockingMatch, type SshPolicy } from './ssh-policy-rules.ts';

/** What the gateway does with a chunk of the person's input, in order. */
export type GateAction =
  | { readonly kind: 'forward'; readonly data: Buffer }
  | { readonly kind: 'echo'; readonly data: Buffer }
  | { readonly kind: 'blocked'; readonly command: string; readonly pattern: string };

/** Longest held input before it is checked and sent anyway (the reference's bound). */
export const MAX_HELD_INPUT_BYTES = 1024;

const CR = 0x0d;
const LF = 0x0a;
const DEL = 0x7f;
const BS = 0x08;
const CTRL_C = 0x03;
const CTRL_U = 0x15;

export class TerminalLineGate {
  private held: number[] = [];
  /** Characters of the current line already sent to the target. */
  private sentLine = '';
  private readonly policy: SshPolicy;
  private readonly echo: boolean;

  /** `echo`: the channel has a PTY (the person expects to see what they type). */
  constructor(policy: SshPolicy, echo: boolean) {
    this.policy = policy;
    this.echo = echo;
  }

  feed(chunk: Buffer): GateAction[] {
    const actions: GateAction[] = [];
    for (const byte of chunk) {
      if (byte === CR || byte === LF) {
        this.endLine(actions, byte);
      } else if (byte === DEL || byte === BS) {
        if (this.held.length > 0) {
          this.popHeldCharacter();
          if (this.echo) actions.push({ kind: 'echo', data: Buffer.from('\b \b') });
        } else {
          this.sentLine = this.sentLine.slice(0, -1);
          actions.push({ kind: 'forward', data: Buffer.from([byte]) });
        }
      } else if (byte === CTRL_C || byte === CTRL_U) {
        this.eraseEcho(actions);
        this.held = [];
        this.sentLine = '';
        actions.push({ kind: 'forward', data: Buffer.from([byte]) });
      } else if (byte < 0x20) {
        if (this.checkPartial(actions)) continue;
        this.flush(actions, [byte]);
      } else {
        this.held.push(byte);
        if (this.echo) actions.push({ kind: 'echo', data: Buffer.from([byte]) });
        if (this.held.length >= MAX_HELD_INPUT_BYTES && !this.checkPartial(actions)) {
          this.flush(actions, []);
        }
      }
    }
    return actions;
  }

  /** The line as the gateway sees it: sent part plus held part. */
  private currentLine(): string {
    return this.sentLine + Buffer.from(this.held).toString('utf8');
  }

  private endLine(actions: GateAction[], byte: number): void {
    const line = this.currentLine();
    if (!this.refuse(actions, line)) {
      this.eraseEcho(actions);
      actions.push({ kind: 'forward', data: Buffer.from([...this.held, byte]) });
    }
    this.held = [];
    this.sentLine = '';
  }

  /** Checks the line so far; when blocked, refuses it and resets. */
  private checkPartial(actions: GateAction[]): boolean {
    if (!this.refuse(actions, this.currentLine())) return false;
    this.held = [];
    this.sentLine = '';
    return true;
  }

  private refuse(actions: GateAction[], line: string): boolean {
    const match = blockingMatch(line.trim(), this.policy);
    if (!match) return false;
    this.eraseEcho(actions);
    actions.push({ kind: 'blocked', command: line, pattern: match.source });
    // Ctrl-U drops what the target already has of the line; CR gives the person a fresh prompt.
    actions.push({ kind: 'forward', data: Buffer.from([CTRL_U, CR]) });
    return true;
  }

  private flush(actions: GateAction[], extra: number[]): void {
    this.eraseEcho(actions);
    const bytes = [...this.held, ...extra];
    this.sentLine += Buffer.from(bytes).toString('utf8');
    this.held = [];
    if (bytes.length > 0) actions.push({ kind: 'forward', data: Buffer.from(bytes) });
  }

  /** Erases the gateway's echo of the held characters (the target will echo them itself). */
  private eraseEcho(actions: GateAction[]): void {
    if (!this.echo) return;
    const width = [...Buffer.from(this.held).toString('utf8')].length;
    if (width > 0) actions.push({ kind: 'echo', data: Buffer.from(`\x1b[${width}D\x1b[K`) });
  }

  /** Drops the last held character (all bytes of a multi-byte UTF-8 one). */
  private popHeldCharacter(): void {
    while (this.held.length > 0) {
      const byte = this.held.pop() as number;
      if ((byte & 0xc0) !== 0x80) break;
    }
  }
}
