/**
 * Lever micro-benchmark (issue 20, gateway CPU): what the gateway's inner TLS costs per GiB when
 * its TLS server runs over a JavaScript stream (JSStreamSocket, today) against a native socket
 * handle fed from the channel, and against coalescing the decrypted records into the target.
 *
 *   pnpm --filter @burrow/bench lever:inner-tls --mib 512 --repetitions 5 --out /tmp/lever
 *
 * The gateway side runs in its own process (inner-tls-lever-gateway.ts, variants described there);
 * the caller (node:tls client with a client certificate, as `dialGateway`'s inner hop) runs here,
 * the bench target in a third process. For each repetition, each direction (up: caller -> target,
 * the gateway decrypts; down: target -> caller, it encrypts) runs once on every variant in turn
 * (interleaved, so a load spike of the shared machine hits every variant alike). Reported per
 * variant and direction: the gateway process's CPU seconds per GiB (process.cpuUsage, user +
 * system) and MiB/s, median (min–max), and each variant's CPU ratio to js-stream within a
 * repetition. Results go to <out>/inner-tls-transport.{json,md}; nothing is timed or asserted.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { ManagedProcess } from '@burrow/stack';
import { interleave } from '../interleave.ts';
import { makeBenchCertificates } from '../openssl-certificates.ts';
import { spread, type Spread } from '../percentiles.ts';
import { transfer, type Direction } from '../throughput.ts';
import {
  INNER_TLS_VARIANTS,
  type InnerTlsVariant,
  type LeverGatewayConfig,
} from './inner-tls-lever-gateway.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

interface Sample {
  /** Bytes the transfer moved (all of them unless capped). */
  bytes: number;
  cpuSecondsPerGiB: number;
  mibPerSecond: number;
  capped: boolean;
}

const USAGE =
  `Usage: pnpm --filter @burrow/bench lever:inner-tls [--mib 512] [--repetitions 5]\n` +
  `         [--variants ${INNER_TLS_VARIANTS.join(',')}]\n` +
  `         [--out DIR] [--cap-seconds 60]\n` +
  `Gateway CPU per GiB of the inner TLS server over a JS stream vs a native socket pair\n` +
  `(needs \`pnpm build\` first); writes DIR/inner-tls-transport.{json,md}\n` +
  `(default DIR: a fresh directory under ${os.tmpdir()}).\n`;
const parsed = (() => {
  try {
    return parseArgs({
      // `pnpm run lever:inner-tls -- …` passes the `--` on.
      args: process.argv.slice(2).filter((arg) => arg !== '--'),
      options: {
        mib: { type: 'string', default: '512' },
        repetitions: { type: 'string', default: '5' },
        variants: { type: 'string', default: INNER_TLS_VARIANTS.join(',') },
        out: { type: 'string' },
        'cap-seconds': { type: 'string', default: '60' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
})();
const flags = parsed.values;
if (flags.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const bytes = Number(flags.mib) * MIB;
const repetitions = Number(flags.repetitions);
const capMs = Number(flags['cap-seconds']) * 1000;
const variants = flags.variants.split(',') as InnerTlsVariant[];
for (const variant of variants) {
  if (!INNER_TLS_VARIANTS.includes(variant)) {
    process.stderr.write(`unknown variant ${variant}; known: ${INNER_TLS_VARIANTS.join(', ')}\n`);
    process.exit(2);
  }
}
if (!(bytes > 0) || !Number.isInteger(repetitions) || !(repetitions > 0) || !(capMs > 0)) {
  process.stderr.write(`--mib, --repetitions and --cap-seconds must be positive numbers\n${USAGE}`);
  process.exit(2);
}
const outDir = flags.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-lever-out-'));
fs.mkdirSync(outDir, { recursive: true });
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-lever-certs-'));
const progress = (line: string): void => {
  process.stderr.write(`[inner-tls lever] ${line}\n`);
};

const certificates = makeBenchCertificates(scratch);
const target = new ManagedProcess({
  name: 'bench-target',
  command: process.execPath,
  args: [path.join(import.meta.dirname, '..', 'bench-target-main.ts')],
  logFile: path.join(scratch, 'bench-target.log'),
});
const targetPort = Number((await target.waitFor(/^listening \d+/, 15_000)).split(' ')[1]);
const gatewayConfig: LeverGatewayConfig = {
  serverCert: certificates.gatewayServer.cert,
  serverKey: certificates.gatewayServer.key,
  ca: certificates.caFile,
  targetPort,
};
const gateway = fork(
  path.join(import.meta.dirname, 'inner-tls-lever-gateway.ts'),
  [JSON.stringify(gatewayConfig)],
  { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
);
let waiting: { resolve: (message: Record<string, unknown>) => void; reject: (e: Error) => void }[] =
  [];
gateway.on('message', (message) => waiting.shift()?.resolve(message as Record<string, unknown>));
gateway.once('exit', (code) => {
  for (const waiter of waiting) waiter.reject(new Error(`lever gateway exited (${code})`));
  waiting = [];
});
const nextMessage = (): Promise<Record<string, unknown>> =>
  new Promise((resolve, reject) => waiting.push({ resolve, reject }));
const cpuSeconds = async (): Promise<number> => {
  const reply = nextMessage();
  gateway.send('cpu');
  return ((await reply).cpuMicros as number) / 1e6;
};

const clientOptions: tls.ConnectionOptions = {
  ca: fs.readFileSync(certificates.caFile),
  cert: fs.readFileSync(certificates.gatewayClient.cert),
  key: fs.readFileSync(certificates.gatewayClient.key),
  servername: 'localhost',
};
const dialVariant = (port: number) => (): Promise<tls.TLSSocket> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const secure = tls.connect({ ...clientOptions, socket }, () => resolve(secure));
    secure.once('error', reject);
  });

const load = (): string =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const loadAtStart = load();
const results: {
  variant: InnerTlsVariant;
  direction: Direction;
  repetition: number;
  sample: Sample;
}[] = [];
try {
  const { ports } = (await nextMessage()) as { ports: Record<InnerTlsVariant, number> };
  const measure = async (variant: InnerTlsVariant, direction: Direction, size: number) => {
    const before = await cpuSeconds();
    const moved = await transfer(dialVariant(ports[variant]), direction, size, 1, capMs).catch(
      (error: Error) => {
        throw new Error(`${variant} ${direction}: the transfer failed: ${error.message}`);
      },
    );
    const after = await cpuSeconds();
    return {
      bytes: moved.bytes,
      cpuSecondsPerGiB: (after - before) / (moved.bytes / GIB),
      mibPerSecond: moved.mibPerSecond,
      capped: moved.capped,
    };
  };
  const warmUp = Math.min(bytes, 64 * MIB);
  progress(`load ${loadAtStart}; warm-up ${warmUp / MIB} MiB per variant and direction`);
  for (const variant of variants) {
    for (const direction of ['up', 'down'] as const) await measure(variant, direction, warmUp);
  }
  const rounds = await interleave(
    repetitions,
    ['up', 'down'] as const,
    variants,
    async (direction, variant, repetition) => {
      const sample = await measure(variant, direction, bytes);
      progress(
        `rep ${repetition} ${direction} ${variant}: ${sample.cpuSecondsPerGiB.toFixed(3)} CPU-s/GiB, ` +
          `${sample.mibPerSecond.toFixed(0)} MiB/s${sample.capped ? ' (capped)' : ''} (load ${load()})`,
      );
      return sample;
    },
  );
  for (const round of rounds) {
    results.push({
      variant: round.path,
      direction: round.step,
      repetition: round.repetition,
      sample: round.result,
    });
  }
} finally {
  gateway.disconnect();
  await target.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}
const loadAtEnd = load();

interface Summary {
  variant: InnerTlsVariant;
  direction: Direction;
  cpuSecondsPerGiB: Spread;
  mibPerSecond: Spread;
  /** CPU per GiB / js-stream's, within each repetition. */
  cpuRatioToJsStream: Spread | undefined;
}
const summaries: Summary[] = [];
for (const direction of ['up', 'down'] as const) {
  for (const variant of variants) {
    const mine = results.filter((r) => r.variant === variant && r.direction === direction);
    const ratios = mine.flatMap((r) => {
      const base = results.find(
        (b) =>
          b.variant === 'js-stream' && b.direction === direction && b.repetition === r.repetition,
      );
      return base ? [r.sample.cpuSecondsPerGiB / base.sample.cpuSecondsPerGiB] : [];
    });
    summaries.push({
      variant,
      direction,
      cpuSecondsPerGiB: spread(mine.map((r) => r.sample.cpuSecondsPerGiB)),
      mibPerSecond: spread(mine.map((r) => r.sample.mibPerSecond)),
      cpuRatioToJsStream: ratios.length > 0 ? spread(ratios) : undefined,
    });
  }
}

const show = (value: Spread, digits: number): string =>
  `${value.median.toFixed(digits)} (${value.min.toFixed(digits)}–${value.max.toFixed(digits)})`;
const markdown = [
  `# Inner TLS transport lever (gateway process)`,
  ``,
  `${flags.mib} MiB per transfer, ${repetitions} interleaved repetitions, node ${process.version}, ` +
    `${os.cpus().length} cores; load (1/5/15 min) at start ${loadAtStart}, at end ${loadAtEnd}.`,
  ``,
  `| direction | variant | gateway CPU-s/GiB | / js-stream | MiB/s |`,
  `|---|---|---|---|---|`,
  ...summaries.map(
    (s) =>
      `| ${s.direction} | ${s.variant} | ${show(s.cpuSecondsPerGiB, 3)} | ` +
      `${s.cpuRatioToJsStream ? show(s.cpuRatioToJsStream, 2) : '–'} | ${show(s.mibPerSecond, 0)} |`,
  ),
  ``,
].join('\n');
fs.writeFileSync(
  path.join(outDir, 'inner-tls-transport.json'),
  `${JSON.stringify({ mib: Number(flags.mib), repetitions, loadAtStart, loadAtEnd, summaries, results }, null, 2)}\n`,
);
fs.writeFileSync(path.join(outDir, 'inner-tls-transport.md'), markdown);
process.stdout.write(`${markdown}\nwritten to ${outDir}/inner-tls-transport.{json,md}\n`);
