/**
 * Test helpers to let the `openssl` CLI judge our certificates: a throwaway directory under the
 * OS temp dir, removed afterwards, and a synchronous `openssl` runner.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Result of one openssl run. */
export interface OpensslResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `openssl <args>` in `cwd` (10 s limit).
 *
 * @example
 *   openssl(['verify', '-CAfile', 'root.pem', 'leaf.pem'], dir).status; // 0
 */
export function openssl(args: readonly string[], cwd: string): OpensslResult {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8', timeout: 90_000 }); // a hang detector
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `fn` with a fresh temp directory and a `write(name, text)` helper; removes the directory
 * afterwards, whatever happens.
 *
 * @example
 *   await withTempDir(async (dir, write) => { write('leaf.pem', pem); openssl([...], dir); });
 */
export async function withTempDir<T>(
  fn: (dir: string, write: (name: string, text: string) => string) => Promise<T> | T,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-x509-'));
  try {
    return await fn(dir, (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Prints a PEM certificate with `openssl x509 -text -noout`.
 *
 * @example
 *   expect(await opensslText(cert.certificatePem)).toContain('CA:TRUE, pathlen:0');
 */
export async function opensslText(certificatePem: string): Promise<string> {
  return withTempDir((dir, write) => {
    write('cert.pem', certificatePem);
    const result = openssl(['x509', '-in', 'cert.pem', '-text', '-noout'], dir);
    if (result.status !== 0) throw new Error(`openssl x509 failed: ${result.stderr}`);
    return result.stdout;
  });
}
