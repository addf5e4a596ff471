/**
 * The inner-TLS transport lever (src/levers/inner-tls-transport.ts) measures only transfers that
 * completed: every variant must carry every byte both ways through its mTLS server to the bench
 * target (an upload counts only after the target acknowledged all of it).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { INNER_TLS_VARIANTS } from '../src/levers/inner-tls-lever-gateway.ts';

const LEVER = path.join(import.meta.dirname, '..', 'src', 'levers', 'inner-tls-transport.ts');

interface LeverJson {
  results: {
    variant: string;
    direction: string;
    sample: { bytes: number; capped: boolean; cpuSecondsPerGiB: number };
  }[];
}

let outDir: string;
beforeEach(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-lever-test-'));
});
afterEach(() => fs.rmSync(outDir, { recursive: true, force: true }));

test('every variant moves every byte up and down, and the results name each one', async () => {
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [LEVER, '--mib', '1', '--repetitions', '1', '--cap-seconds', '30', '--out', outDir],
      { timeout: 150_000 },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
    ),
  );
  const written = JSON.parse(
    fs.readFileSync(path.join(outDir, 'inner-tls-transport.json'), 'utf8'),
  ) as LeverJson;
  const seen = written.results.map((r) => `${r.direction} ${r.variant}`).sort();
  const expected = INNER_TLS_VARIANTS.flatMap((v) => [`up ${v}`, `down ${v}`]).sort();
  expect(seen).toEqual(expected);
  for (const { sample } of written.results) {
    expect(sample).toMatchObject({ bytes: 1024 * 1024, capped: false });
    expect(sample.cpuSecondsPerGiB).toBeGreaterThan(0);
  }
  const markdown = fs.readFileSync(path.join(outDir, 'inner-tls-transport.md'), 'utf8');
  for (const variant of INNER_TLS_VARIANTS) expect(markdown).toContain(`| ${variant} |`);
}, 180_000);

test('an unknown variant is refused with the list of known ones', async () => {
  const stderr = await new Promise<string>((resolve) =>
    execFile(process.execPath, [LEVER, '--variants', 'bogus', '--out', outDir], (_e, _o, err) =>
      resolve(err),
    ),
  );
  expect(stderr).toContain('unknown variant bogus; known: js-stream');
});
