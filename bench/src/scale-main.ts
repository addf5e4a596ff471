/**
 * `pnpm bench --scale [--gateways <n>] [--processes <n>] [--keepalive-variants <ms>x<count>,…]
 * [--variant-gateways <n>] [--max-minutes <n>] [--out <dir>]`: one relay, many idle gateways
 * (scale-bench.ts). Writes <out>/scale-latest.{json,md} (default bench/results); progress goes to
 * stderr. Not in CI: the full 10,000 take minutes and most of a machine.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runScaleBench, type ScaleOptions } from './scale-bench.ts';
import { checkScaleTargets } from './scale-targets.ts';

const USAGE = `usage: pnpm bench --scale [--gateways <n>] [--processes <n>] [--keepalive-variants <ms>x<count>,...] [--variant-gateways <n>] [--max-minutes <n>] [--out <dir>]
  --gateways            idle swarm gateways on the relay (default 10000; 2000 for a quick try)
  --processes           swarm processes (default 4)
  --keepalive-variants  gateway-side keepalives to compare, e.g. 4000x2,7000x1 (default none)
  --variant-gateways    swarm size for each variant (default min(gateways, 2000))
  --max-minutes         bound of the whole run; past it everything is stopped (default 40)
  --out                 results directory (default bench/results)`;

export async function scaleMain(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.filter((arg) => arg !== '--scale'),
      options: {
        gateways: { type: 'string', default: '10000' },
        processes: { type: 'string', default: '4' },
        'keepalive-variants': { type: 'string', default: '' },
        'variant-gateways': { type: 'string' },
        'max-minutes': { type: 'string', default: '40' },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    console.error(`bench --scale: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const count = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} must be an integer ≥ ${min}, got "${text}"`);
    return n;
  };
  let options: ScaleOptions;
  try {
    const gateways = count('gateways', values.gateways, 1);
    options = {
      gateways,
      processes: count('processes', values.processes, 1),
      startPerSecond: 500,
      idleWindowMs: 30_000,
      streamWindowMs: 20_000,
      streamConcurrency: 16,
      keepaliveVariants: values['keepalive-variants']
        .split(',')
        .filter((v) => v !== '')
        .map((v) => {
          const match = /^(\d+)x(\d+)$/.exec(v);
          if (!match) throw new Error(`--keepalive-variants: "${v}" is not <interval ms>x<count>`);
          return { intervalMs: Number(match[1]), countMax: Number(match[2]) };
        }),
      variantGateways:
        values['variant-gateways'] !== undefined
          ? count('variant-gateways', values['variant-gateways'], 1)
          : Math.min(gateways, 2_000),
      maxMinutes: count('max-minutes', values['max-minutes'], 1),
    };
  } catch (error) {
    console.error(`bench --scale: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  // The relay holds a socket per gateway, each swarm process one per gateway of its slice.
  const fdLimit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  if (Number.isFinite(fdLimit) && fdLimit < options.gateways + 1_024) {
    console.error(
      `bench --scale: the open-file limit is ${fdLimit}; ${options.gateways} gateways need at least ${options.gateways + 1_024} (raise it with \`ulimit -n\`, or use --gateways)`,
    );
    return 2;
  }
  const outDir = values.out ?? path.resolve(import.meta.dirname, '..', 'results');
  const started = Date.now();
  const progress = (message: string): void => {
    process.stderr.write(
      `[bench --scale ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
    );
  };
  progress(
    `${options.gateways} gateways, ${options.processes} swarm processes; results to ${outDir}`,
  );
  const results = await runScaleBench(options, `pnpm bench ${argv.join(' ')}`, outDir, progress);
  for (const check of checkScaleTargets(results))
    progress(
      `target ${check.noTarget ? '--  ' : check.met === undefined ? 'n/a ' : check.met ? 'MET ' : 'MISS'} ${check.target}: ${check.measured}`,
    );
  progress(`wrote ${path.join(outDir, 'scale-latest.md')} and scale-latest.json`);
  return results.error ? 1 : 0;
}
