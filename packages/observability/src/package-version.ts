import { readFileSync } from 'node:fs';

/**
 * The `version` of the package.json at `packageJson` (a URL made from the caller's
 * `import.meta.url`, which is as deep in src/ as in dist/), or 0.0.0 when it cannot be read:
 * what `--version` prints and what a relay or gateway reports to the control plane.
 *
 * @example
 *   packageVersion(new URL('../package.json', import.meta.url)); // '0.1.0'
 */
export function packageVersion(packageJson: URL): string {
  try {
    const text = readFileSync(packageJson, 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
