/**
 * Command blocking on a shell: what the gateway forwards, echoes and refuses for a keystroke
 * stream, and the policy/credential parsers' refusals (never quoting a value).
 */
import { describe, expect, it } from '@jest/globals';
import { formatSshPublicKeyLine, generateSshKeyPair } from '@burrow/pki';
import { parseSshCredentials } from '../../../src/pam/ssh/ssh-credentials.ts';
import { maskBytes, parseSshPolicyRules } from '../../../src/pam/ssh/ssh-policy-rules.ts';
import type { GateAction } from '../../../src/pam/ssh/terminal-line-gate.ts';
import { MAX_HELD_INPUT_BYTES, TerminalLineGate } from '../../../src/pam/ssh/terminal-line-gate.ts';

const policy = parseSshPolicyRules({ 'command-blocking': { patterns: ['^rm -rf', 'shutdown'] } });
const forwarded = (actions: GateAction[]): string =>
  actions
    .filter((a): a is Extract<GateAction, { kind: 'forward' }> => a.kind === 'forward')
    .map((a) => a.data.toString('latin1'))
    .join('');
const blocked = (actions: GateAction[]): string[] =>
  actions.flatMap((a) => (a.kind === 'blocked' ? [a.command] : []));

describe('TerminalLineGate', () => {
  it('holds a line until Enter, echoes it locally, erases the echo and forwards it whole', () => {
    const gate = new TerminalLineGate(policy, true);
    const typing = gate.feed(Buffer.from('ls -l'));
    expect(forwarded(typing)).toBe('');
    expect(typing.filter((a) => a.kind === 'echo').map((a) => a.data.toString())).toEqual([
      'l',
      's',
      ' ',
      '-',
      'l',
    ]);
    const enter = gate.feed(Buffer.from('\r'));
    expect(enter[0]).toEqual({ kind: 'echo', data: Buffer.from('\x1b[5D\x1b[K') });
    expect(forwarded(enter)).toBe('ls -l\r');
  });

  it('a blocked line is never forwarded: the target gets Ctrl-U + CR instead', () => {
    const gate = new TerminalLineGate(policy, true);
    const actions = gate.feed(Buffer.from('rm -rf /tmp/x\r'));
    expect(blocked(actions)).toEqual(['rm -rf /tmp/x']);
    expect(forwarded(actions)).toBe('\x15\r');
    // Typed one key at a time, with an edit: the line as edited is what is checked.
    const slow = new TerminalLineGate(policy, false);
    const keys = [...'rm -rx', '\x7f', ...'f /', '\r'].flatMap((k) => slow.feed(Buffer.from(k)));
    expect(blocked(keys)).toEqual(['rm -rf /']);
    expect(forwarded(keys)).toBe('\x15\r');
  });

  it('a control key sends the line so far, checked first; the rest of the line is checked at Enter', () => {
    const gate = new TerminalLineGate(policy, false);
    const partial = gate.feed(Buffer.from('rm -rf /ho\t'));
    expect(blocked(partial)).toEqual(['rm -rf /ho']);
    expect(forwarded(partial)).toBe('\x15\r');
    const gate2 = new TerminalLineGate(policy, false);
    const first = gate2.feed(Buffer.from('echo a\t'));
    expect(forwarded(first)).toBe('echo a\t');
    const rest = gate2.feed(Buffer.from('; shutdown now\r'));
    expect(blocked(rest)).toEqual(['echo a\t; shutdown now']);
    expect(forwarded(rest)).toBe('\x15\r');
  });

  it('Ctrl-C drops what is held and is forwarded; held input is bounded', () => {
    const gate = new TerminalLineGate(policy, false);
    expect(forwarded(gate.feed(Buffer.from('rm -r\x03')))).toBe('\x03');
    const long = gate.feed(Buffer.alloc(MAX_HELD_INPUT_BYTES + 10, 'a'));
    expect(forwarded(long)).toBe('a'.repeat(MAX_HELD_INPUT_BYTES));
  });
});

describe('policy rules and credentials', () => {
  it('masking replaces every match; a pattern that does not compile refuses the session', () => {
    const rules = parseSshPolicyRules({ 'session-log-masking': { patterns: ['pw=\\S+'] } });
    expect(maskBytes(Buffer.from('a pw=1 b pw=2'), rules.masking).toString()).toBe(
      'a [MASKED] b [MASKED]',
    );
    expect(() => parseSshPolicyRules({ 'command-blocking': { patterns: ['(secret'] } })).toThrow(
      'policyRules.command-blocking.patterns[0] is not a valid regular expression',
    );
  });

  it('refuses a resource without pinned host keys or CAs, and bad fields without quoting them', () => {
    const base = {
      host: 'h',
      port: 22,
      username: 'u',
      authMethod: 'password',
      password: 'hunter2',
    };
    expect(() => parseSshCredentials(base)).toThrow(/does not trust a target on first use/);
    const pinned = [formatSshPublicKeyLine(generateSshKeyPair('ed25519').publicKeyBlob)];
    const errors = [
      { ...base, hostKeys: ['ssh-ed25519 hunter2'] },
      { ...base, hostKeys: pinned, authMethod: 'public-key', privateKey: 'hunter2' },
      { ...base, hostKeys: pinned, authMethod: 'kerberos' },
      { ...base, hostKeys: pinned, port: 70_000 },
    ].map((raw) => {
      try {
        parseSshCredentials(raw);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(errors[0]).toBe('credentials.hostKeys[0] is not an OpenSSH public key line');
    expect(errors[1]).toBe('credentials.privateKey: not an unencrypted OpenSSH or PEM private key');
    expect(errors[2]).toBe('credentials.authMethod is not password, public-key or certificate');
    expect(errors[3]).toBe('credentials.port is not a port number');
    for (const message of errors) expect(message).not.toContain('hunter2');
  });
});
