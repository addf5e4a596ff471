/**
 * The account's policy rules from the credentials answer (reference §8.2, SSH-CONTRACT.md):
 *
 *   {"command-blocking"?: {"patterns": ["^rm -rf", …]},        JS RegExp sources
 *    "session-log-masking"?: {"patterns": ["password=\\S+", …]}}
 *
 * command-blocking   a command line (terminal input line, exec command) matching any pattern is
 *                    refused before it reaches the target (terminal-line-gate.ts)
 * session-log-masking every match is replaced with [MASKED] before an event is written
 *
 * A pattern that does not compile refuses the session (the gateway cannot enforce a rule it cannot
 * read); the error names the rule and its position, never the pattern.
 */
export const MASKED = '[MASKED]';

export interface SshPolicy {
  readonly commandBlocking: readonly RegExp[];
  readonly masking: readonly RegExp[];
}

export const NO_SSH_POLICY: SshPolicy = { commandBlocking: [], masking: [] };

/**
 * @example
 *   const policy = parseSshPolicyRules(answer.policyRules);
 *   policy.commandBlocking.some((re) => re.test('rm -rf /'));
 */
export function parseSshPolicyRules(raw: unknown): SshPolicy {
  if (raw === undefined || raw === null) return NO_SSH_POLICY;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error('policyRules is not an object');
  }
  const rules = raw as Record<string, unknown>;
  return {
    commandBlocking: patterns(rules['command-blocking'], 'command-blocking', ''),
    masking: patterns(rules['session-log-masking'], 'session-log-masking', 'g'),
  };
}

function patterns(rule: unknown, name: string, flags: string): RegExp[] {
  if (rule === undefined || rule === null) return [];
  const list = (rule as { patterns?: unknown }).patterns;
  if (!Array.isArray(list)) throw new Error(`policyRules.${name}.patterns is not a list`);
  return list.map((source: unknown, i) => {
    if (typeof source !== 'string' || source === '') {
      throw new Error(`policyRules.${name}.patterns[${i}] is not a pattern`);
    }
    try {
      return new RegExp(source, flags);
    } catch {
      throw new Error(`policyRules.${name}.patterns[${i}] is not a valid regular expression`);
    }
  });
}

/** `text` with every masking match replaced by [MASKED]. */
export function maskText(text: string, masking: readonly RegExp[]): string {
  let out = text;
  for (const pattern of masking) out = out.replace(pattern, MASKED);
  return out;
}

/**
 * `bytes` with every masking match replaced (as UTF-8 text when it is valid UTF-8, otherwise
 * byte for byte as Latin-1 so that binary data keeps its length outside the matches).
 */
export function maskBytes(bytes: Buffer, masking: readonly RegExp[]): Buffer {
  if (masking.length === 0) return bytes;
  let text: string;
  let encoding: 'utf8' | 'latin1' = 'utf8';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    encoding = 'latin1';
    text = bytes.toString('latin1');
  }
  const masked = maskText(text, masking);
  return masked === text ? bytes : Buffer.from(masked, encoding);
}

/** The first blocking pattern `command` matches, or undefined. */
export function blockingMatch(command: string, policy: SshPolicy): RegExp | undefined {
  return policy.commandBlocking.find((pattern) => pattern.test(command));
}
