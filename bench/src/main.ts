/**
 * `pnpm bench [--quick] [--paths=direct,openssh-openssl,burrow,pam] [--no-scale]
 *   [--key-algorithms=ecdsa-p256,rsa-2048,ed25519] [--out=<dir>]`
 * (`pnpm bench --render-only [--out=<dir>]`: latest.md and the plots again from latest.json)
 * (`pnpm bench --scale …`: 10,000 idle gateways on one relay instead, scale-main.ts)
 *
 * Starts the bench target and every path on loopback (direct, openssh-openssl, burrow), measures
 * them taking turns, `repetitions` rounds (path-measurements.ts), stops all but burrow by PID,
 * measures the certificate key types asked for on stacks of their own (key-type-lever.ts),
 * runs pgbench direct vs through `burrow pam access` on the burrow stack (pam-queries.ts; `pam`
 * alone starts that stack without measuring the burrow path), measures relay scale on the burrow
 * relay, and writes <out>/latest.{json,md}, throughput.svg and setup-latency.svg (default out:
 * bench/results; with --quick a scratch dir, so CI never overwrites the published numbers).
 * Progress goes to stderr.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ManagedProcess } from '@burrow/stack';
import { FULL, QUICK } from './bench-config.ts';
import type { BenchPath, PathName } from './bench-path.ts';
import type { BenchResults } from './bench-results.ts';
import { startBurrowPath, type BurrowPath } from './burrow-path.ts';
import { directPath } from './direct-path.ts';
import { measureCryptoFloor } from './crypto-floor.ts';
import { machineInfo } from './machine-info.ts';
import { startOpensshOpensslPath } from './openssh-openssl-path.ts';
import { measureKeyTypeLever, parseKeyAlgorithms } from './key-type-lever.ts';
import { measurePamQueries, pamQueriesUnavailable } from './pam-queries.ts';
import { measurePaths } from './path-measurements.ts';
import { measureRelayScale } from './relay-scale.ts';
import { writeResults } from './results-files.ts';

const USAGE = `usage: pnpm bench [--quick] [--paths=direct,openssh-openssl,burrow,pam] [--no-scale]
                  [--key-algorithms=ecdsa-p256,rsa-2048,ed25519] [--out=<dir>]
       pnpm bench --render-only [--out=<dir>]
       pnpm bench --scale [...]            (10,000 idle gateways on one relay; pnpm bench --scale --help)

Burrow beside a direct connection and OpenSSH + stunnel, on loopback, written to
bench/results/latest.{json,md} with throughput.svg and setup-latency.svg (bench/README.md).

  --quick          tiny sizes, one repetition (~30 s on a quiet machine); results to a scratch dir
  --paths=<list>   any of direct, openssh-openssl, burrow, pam (default: all four)
  --no-scale       skip the relay-scale part (200 idle gateways, 500 open streams)
  --key-algorithms=<list>
                   also the certificate key type lever: one more burrow stack per
                   BURROW_KEY_ALGORITHM (ecdsa-p256, rsa-2048, ed25519), new-stream setup
                   (full and resumed) on each, taking turns; ratios to ecdsa-p256
  --out=<dir>      where results go (default bench/results; with --quick a scratch dir)
  --render-only    re-write latest.md and the plots from <out>/latest.json; measures nothing
  -h, --help       this text`;

const args = process.argv.slice(2);
if (args.includes('--scale')) {
  const { scaleMain } = await import('./scale-main.ts');
  process.exit(await scaleMain(args));
}
let values: ReturnType<typeof parseBenchArgs>;
try {
  values = parseBenchArgs(args);
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const flag = (
  name: 'quick' | 'paths' | 'no-scale' | 'out' | 'render-only' | 'key-algorithms',
): string | undefined => {
  const value = values[name];
  return value === undefined || value === false ? undefined : value === true ? '' : value;
};

function parseBenchArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean' },
      paths: { type: 'string' },
      'no-scale': { type: 'boolean' },
      out: { type: 'string' },
      'render-only': { type: 'boolean' },
      'key-algorithms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}
let keyAlgorithms: string[] | undefined;
try {
  const value = flag('key-algorithms');
  keyAlgorithms = value === undefined ? undefined : parseKeyAlgorithms(value);
} catch (error) {
  console.error(`bench: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (flag('render-only') !== undefined) {
  const dir = flag('out') || path.resolve(import.meta.dirname, '..', 'results');
  const file = path.join(dir, 'latest.json');
  if (!fs.existsSync(file)) {
    console.error(`bench: ${file} does not exist; run pnpm bench first`);
    process.exit(2);
  }
  const written = writeResults(JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults, dir);
  console.error(
    `bench: re-wrote ${written.join(', ')} in ${dir} from latest.json (no measurement)`,
  );
  process.exit(0);
}
const config = flag('quick') !== undefined ? QUICK : FULL;
const requested = (flag('paths') ?? 'direct,openssh-openssl,burrow,pam').split(',');
const unknownPaths = requested.filter(
  (name) => !['direct', 'openssh-openssl', 'burrow', 'pam'].includes(name),
);
if (unknownPaths.length > 0) {
  console.error(`bench: unknown path ${unknownPaths.join(', ')} in --paths\n${USAGE}`);
  process.exit(2);
}
const pamUnavailable = requested.includes('pam') ? pamQueriesUnavailable() : undefined;
const runPam = requested.includes('pam') && !pamUnavailable;
const selected = requested.filter((name) => name !== 'pam') as PathName[];
// The PAM queries run on the burrow path's stack: start it even when only `pam` was asked for.
const measureBurrow = selected.includes('burrow');
if (runPam && !measureBurrow) selected.push('burrow');
const runScale = flag('no-scale') === undefined && measureBurrow;
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-bench-'));
const outDir =
  flag('out') ||
  (config.quick
    ? path.join(workDir, 'results')
    : path.resolve(import.meta.dirname, '..', 'results'));
const started = Date.now();
const progress = (message: string): void => {
  process.stderr.write(
    `[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
  );
};

const results: BenchResults = {
  startedAt: new Date(started).toISOString(),
  durationSeconds: 0,
  command: `pnpm bench ${args.join(' ')}`.trim(),
  config,
  machine: machineInfo(),
  loadAverageAtStart: os.loadavg()[0] as number,
  commands: {},
  paths: {},
  notMeasured: {
    'burrow via access CLI listener':
      'not measured with the TCP echo: the access CLI listener only serves PAM accounts; see the PAM queries (pgbench) instead',
    ...(pamUnavailable ? { 'PAM queries': `not measured: ${pamUnavailable}` } : {}),
  },
};
progress(`${config.quick ? 'QUICK run' : 'full run'}; scratch ${workDir}; results to ${outDir}`);
if (selected.some((name) => name !== 'direct')) {
  progress('the floor: openssl speed -evp aes-128-gcm');
  results.cryptoFloor = measureCryptoFloor(config.quick ? 1 : 3);
  progress(`the floor: ${results.cryptoFloor.opensslSpeedLine ?? 'openssl speed failed'}`);
}

const target = new ManagedProcess({
  name: 'bench-target',
  command: process.execPath,
  args: [path.join(import.meta.dirname, 'bench-target-main.ts')],
  logFile: path.join(workDir, 'bench-target.log'),
});
let exitCode = 0;
const running: BenchPath[] = [];
const stopPaths = async (which: readonly BenchPath[]): Promise<void> => {
  for (const path of which) {
    progress(`stopping path ${path.name}`);
    await path.stop();
    running.splice(running.indexOf(path), 1);
  }
};
const onSignal = (): void => {
  progress('interrupted: stopping everything');
  void (async () => {
    await stopPaths([...running]);
    await target.stop();
    process.exit(130);
  })();
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  const targetPort = Number((await target.waitFor(/^listening \d+/, 15_000)).split(' ')[1]);
  const targetPid = target.pid as number;
  // Every path runs at once, so the measurements can take turns between them (interleave.ts).
  for (const name of selected) {
    progress(`starting path ${name}`);
    const opened =
      name === 'direct'
        ? directPath(targetPort, targetPid)
        : name === 'openssh-openssl'
          ? await startOpensshOpensslPath(targetPort, targetPid, workDir)
          : name === 'burrow'
            ? await startBurrowPath(targetPort, targetPid, progress)
            : undefined;
    if (!opened) throw new Error(`unknown path ${name}`);
    running.push(opened);
    results.commands[name] = opened.commands;
  }
  const measured = running.filter((path) => path.name !== 'burrow' || measureBurrow);
  if (measured.length > 0) {
    const { repetitions, medians } = await measurePaths(measured, config, progress);
    results.repetitions = repetitions;
    results.paths = medians;
  }
  const burrow = running.find((path) => path.name === 'burrow') as BurrowPath | undefined;
  // The burrow stack's own parts run alone: the other paths are no longer needed.
  await stopPaths(running.filter((path) => path !== burrow));
  if (keyAlgorithms) {
    results.keyTypeLever = await measureKeyTypeLever(
      keyAlgorithms,
      { port: targetPort, pid: targetPid },
      config,
      progress,
    );
  }
  if (burrow && runPam) {
    results.pamQueries = await measurePamQueries(burrow, config.pamQueries, workDir, progress);
  }
  if (burrow && runScale) {
    results.relayScale = await measureRelayScale(
      burrow,
      config.swarmGateways,
      config.openStreams,
      workDir,
      progress,
    );
  }
} catch (error) {
  exitCode = 1;
  progress(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await stopPaths([...running]);
  await target.stop();
}

results.durationSeconds = (Date.now() - started) / 1000;
results.loadAverageAtEnd = os.loadavg()[0] as number;
const written = writeResults(results, outDir);
for (const check of results.targets ?? [])
  progress(
    `target ${check.met === undefined ? 'n/a ' : check.met ? 'MET ' : 'MISS'} ${check.target}: ${check.measured}`,
  );
progress(`wrote ${written.join(', ')} to ${outDir} in ${results.durationSeconds.toFixed(0)} s`);
if (exitCode === 0) fs.rmSync(workDir, { recursive: true, force: true });
else progress(`logs kept in ${workDir}`);
process.exit(exitCode);
