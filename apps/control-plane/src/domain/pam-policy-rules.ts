import { InvalidRequestError } from './errors.ts';

/**
 * An ssh account's policy rules (reference §8.2; SSH-CONTRACT.md), checked when saved: every
 * pattern must compile as a JavaScript RegExp (the gateway compiles the same source strings), or
 * the save is refused with a 400 naming the rule and the pattern's index. Empty rules are
 * dropped, so `{}` means "no rules".
 *
 * @example
 *   checkPolicyRules({ 'command-blocking': { patterns: ['^rm -rf'] } });
 */
export interface PamPolicyRules {
  'command-blocking'?: { patterns: string[] };
  'session-log-masking'?: { patterns: string[] };
}

const RULES = ['command-blocking', 'session-log-masking'] as const;

/** The rules as stored, or undefined when there are none. */
export function checkPolicyRules(rules: PamPolicyRules): PamPolicyRules | undefined {
  const checked: PamPolicyRules = {};
  for (const rule of RULES) {
    const patterns = rules[rule]?.patterns;
    if (!patterns || patterns.length === 0) continue;
    patterns.forEach((pattern, index) => {
      try {
        new RegExp(pattern);
      } catch (error) {
        throw new InvalidRequestError(
          `policyRules.${rule}.patterns[${index}] is not a valid regular expression: ${(error as Error).message}`,
        );
      }
    });
    checked[rule] = { patterns: [...patterns] };
  }
  return Object.keys(checked).length > 0 ? checked : undefined;
}
