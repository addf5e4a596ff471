import { packageVersion as versionOf } from '@burrow/observability';

/**
 * The gateway's version from its package.json (the same file from src/ and dist/): printed by
 * `--version` and sent to the control plane, whose console shows which gateway runs what.
 */
export function packageVersion(): string {
  return versionOf(new URL('../../package.json', import.meta.url));
}
