import { readFileSync } from 'node:fs';

/**
 * The gateway's version from its package.json (the same file from src/ and dist/): printed by
 * `--version` and sent to the control plane, whose console shows which gateway runs what.
 */
export function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
