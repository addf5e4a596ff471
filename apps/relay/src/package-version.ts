import { packageVersion as versionOf } from '@burrow/observability';

/**
 * The relay's version from its package.json (src/ and dist/ both sit one level below it): printed
 * by `--version` and sent to the control plane, whose console shows which relay runs what.
 */
export function packageVersion(): string {
  return versionOf(new URL('../package.json', import.meta.url));
}
