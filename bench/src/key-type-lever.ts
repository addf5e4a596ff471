/**
 * Lever of issue 20: the certificate key type, for the setup of a new stream.
 *
 *   pnpm bench --key-algorithms=ecdsa-p256,rsa-2048,ed25519 --paths=burrow --no-scale --out=/tmp/x
 *
 * One burrow stack per key algorithm (LocalStack with BURROW_KEY_ALGORITHM=<algorithm> for the
 * control plane, which then issues every CA and certificate of the stack with it: relay and
 * gateway server certificates, the caller's relay and gateway client certificates), all on the
 * same bench target. The new-stream setup measurement (full handshakes, then resumed) runs on
 * each stack in turn, round by round (interleave.ts), with the CPU each role spent per stream.
 * An algorithm whose stack does not start or whose first stream fails is reported with the error
 * and left out of the rounds, so one bad key type does not cost the run.
 */
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { BenchConfig } from './bench-config.ts';
import { startBurrowPath, type BurrowPath } from './burrow-path.ts';
import type { Dial } from './dial.ts';
import { interleave } from './interleave.ts';
import { measureSetup, type SetupMeasurement } from './path-measurements.ts';
import { median, spread, type Spread } from './percentiles.ts';
import type { Role } from './bench-path.ts';
import { setupLatency } from './setup-latency.ts';
import { fmt } from './targets.ts';

/** The values of the control plane's BURROW_KEY_ALGORITHM the bench knows of (@burrow/pki's). */
export const BENCH_KEY_ALGORITHMS = ['ecdsa-p256', 'rsa-2048', 'ed25519'] as const;
/** The control plane's default: the ratios are to it. */
export const DEFAULT_KEY_ALGORITHM = 'ecdsa-p256';

export interface KeyTypeMeasurement {
  setupFull: SetupMeasurement;
  setupResumed: SetupMeasurement;
}

export interface KeyTypeLeverResult {
  /** In the order asked for. */
  algorithms: string[];
  /** What the ratios are to: the default if it was measured, else the first measured. */
  baseline: string;
  /**
   * The keys of the certificates of the first stream's inner TLS (proof the setting took
   * effect): the caller's client certificate and the gateway's server certificate.
   */
  certificates: Record<string, { caller: string; gateway: string }>;
  /** Each repetition's measurements of every algorithm (index 0 is repetition 1). */
  repetitions: Record<string, KeyTypeMeasurement>[];
  /** Algorithms not measured, with the error that stopped them. */
  failed: Record<string, string>;
}

/**
 * Parses `--key-algorithms=a,b,c`. Throws with the accepted names on an unknown, repeated or
 * empty entry.
 */
export function parseKeyAlgorithms(value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  const known = BENCH_KEY_ALGORITHMS as readonly string[];
  for (const name of names) {
    if (!known.includes(name))
      throw new Error(
        `--key-algorithms: "${name}" is not one of ${BENCH_KEY_ALGORITHMS.join(', ')}`,
      );
  }
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new Error(`--key-algorithms: "${repeated}" is given twice`);
  return names;
}

interface KeyTypeStack {
  algorithm: string;
  path: BurrowPath;
  full: Dial;
  resumed: Dial;
}

export async function measureKeyTypeLever(
  algorithms: readonly string[],
  target: { port: number; pid: number },
  config: BenchConfig,
  progress: (message: string) => void,
): Promise<KeyTypeLeverResult> {
  const result: KeyTypeLeverResult = {
    algorithms: [...algorithms],
    baseline: DEFAULT_KEY_ALGORITHM,
    certificates: {},
    repetitions: Array.from({ length: config.repetitions }, () => ({})),
    failed: {},
  };
  const stacks: KeyTypeStack[] = [];
  try {
    for (const algorithm of algorithms) {
      progress(
        `key type ${algorithm}: starting a burrow stack with BURROW_KEY_ALGORITHM=${algorithm}`,
      );
      let path: BurrowPath | undefined;
      try {
        path = await startBurrowPath(target.port, target.pid, progress, {
          controlPlaneEnv: { BURROW_KEY_ALGORITHM: algorithm },
        });
        const stack = {
          algorithm,
          path,
          full: path.dialer({ resume: false }),
          resumed: path.dialer({ resume: true }),
        };
        result.certificates[algorithm] = await firstStream(stack);
        await setupLatency(stack.resumed, 1, config.capMs); // fetches the tickets
        stacks.push(stack);
        progress(
          `key type ${algorithm}: caller's certificate ${result.certificates[algorithm].caller}, gateway's ${result.certificates[algorithm].gateway}`,
        );
      } catch (error) {
        result.failed[algorithm] = failureText(error);
        progress(`key type ${algorithm}: not measured: ${result.failed[algorithm]}`);
        await path?.stop();
      }
    }
    const measured = stacks.map((s) => s.algorithm);
    result.baseline = measured.includes(DEFAULT_KEY_ALGORITHM)
      ? DEFAULT_KEY_ALGORITHM
      : (measured[0] ?? DEFAULT_KEY_ALGORITHM);
    const modes = ['setupFull', 'setupResumed'] as const;
    await interleave(config.repetitions, modes, stacks, async (mode, stack, n) => {
      const into = (result.repetitions[n - 1]![stack.algorithm] ??= {} as KeyTypeMeasurement);
      const dial = mode === 'setupFull' ? stack.full : stack.resumed;
      const s = (into[mode] = await measureSetup(stack.path, dial, config));
      progress(
        `key type ${stack.algorithm}: ${config.setupStreams} new streams, ${mode === 'setupFull' ? 'full handshakes' : 'resumed'} (${n}/${config.repetitions}): p50 ${s.p50.toFixed(2)} ms; CPU-ms per stream relay ${s.cpuMsPerStream.relay.toFixed(2)}, gateway ${s.cpuMsPerStream.gateway.toFixed(2)}, caller ${s.cpuMsPerStream.caller.toFixed(2)}`,
      );
    });
  } finally {
    for (const stack of stacks) {
      progress(`key type ${stack.algorithm}: stopping its stack`);
      await stack.path.stop();
    }
  }
  return result;
}

/** One full-handshake stream; returns the keys of the certificates its inner TLS used. */
async function firstStream(stack: KeyTypeStack): Promise<{ caller: string; gateway: string }> {
  const socket = (await stack.full()) as TLSSocket;
  const caller = socket.getX509Certificate();
  const gateway = socket.getPeerX509Certificate();
  socket.destroy();
  return {
    caller: caller ? keyOf(caller) : 'none',
    gateway: gateway ? keyOf(gateway) : 'none',
  };
}

/** "ec prime256v1", "rsa 2048", "ed25519". */
function keyOf(certificate: X509Certificate): string {
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails;
  return [key.asymmetricKeyType, details?.namedCurve ?? details?.modulusLength]
    .filter((part) => part !== undefined)
    .join(' ');
}

/** The error on one line: a failed start-up's message is followed by the log's last lines. */
export function failureText(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  // LocalStack removes the scratch dir whose log the first line names: keep its last line instead.
  const first = (lines[0] ?? 'unknown error').replace(/; see \S+\.log:$/, ':');
  return lines.length > 1 ? `${first} ${lines.at(-1)}` : first;
}

/** Per algorithm: the median of each figure over the repetitions it was measured in. */
function figure(
  lever: KeyTypeLeverResult,
  algorithm: string,
  pick: (m: KeyTypeMeasurement) => number,
): number {
  return median(lever.repetitions.flatMap((set) => (set[algorithm] ? [pick(set[algorithm])] : [])));
}

/** figure(algorithm) / figure(baseline) within each repetition: median, min, max. */
function ratio(
  lever: KeyTypeLeverResult,
  algorithm: string,
  pick: (m: KeyTypeMeasurement) => number,
): Spread | undefined {
  const values = lever.repetitions.flatMap((set) => {
    const a = set[algorithm];
    const b = set[lever.baseline];
    return a && b ? [pick(a) / pick(b)] : [];
  });
  return values.length > 0 ? spread(values) : undefined;
}

/** latest.md's "Lever: certificate key type" section. */
export function keyTypeLeverMarkdown(lever: KeyTypeLeverResult, setupStreams: number): string[] {
  const n = lever.repetitions.length;
  const ratioText = (s: Spread | undefined): string =>
    s ? `${fmt(s.median, 2)} ×${n > 1 ? ` (${fmt(s.min, 2)}–${fmt(s.max, 2)})` : ''}` : 'n/a';
  const cpu = (mode: keyof KeyTypeMeasurement, algorithm: string): string =>
    (['relay', 'gateway', 'caller'] as Role[])
      .map((role) =>
        fmt(
          figure(lever, algorithm, (m) => m[mode].cpuMsPerStream[role]),
          2,
        ),
      )
      .join(' / ');
  const lines = [
    '## Lever: certificate key type',
    '',
    `One burrow stack per key algorithm (BURROW_KEY_ALGORITHM of its control plane: every CA and certificate of the stack), new-stream setup as above (${setupStreams} sequential streams per measurement), the stacks taking turns, ${n} repetition${n === 1 ? '' : 's'}. ` +
      `Latency and CPU are medians over the repetitions; a ratio is to ${lever.baseline} within each repetition, median${n > 1 ? ' (min–max)' : ''}. CPU ms per stream: relay / gateway / caller.`,
    '',
    '| key algorithm | certificates (caller / gateway) | full p50 | full p99 | resumed p50 | resumed p99 | CPU ms per full stream | CPU ms per resumed stream | full p50 ratio | resumed p50 ratio | relay CPU per full stream ratio |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const algorithm of lever.algorithms) {
    const failed = lever.failed[algorithm];
    if (failed !== undefined) {
      lines.push(
        `| ${algorithm} | not measured: ${failed.replaceAll('|', '\\|')} | | | | | | | | | |`,
      );
      continue;
    }
    const c = lever.certificates[algorithm];
    const of = (pick: (m: KeyTypeMeasurement) => number): string =>
      fmt(figure(lever, algorithm, pick), 2);
    const p99 = (mode: keyof KeyTypeMeasurement): string => {
      const capped = lever.repetitions.some((set) => set[algorithm]?.[mode].capped);
      const count = figure(lever, algorithm, (m) => m[mode].count);
      return `${of((m) => m[mode].p99)}${capped ? ` (capped at ${fmt(count, 0)} streams)` : ''}`;
    };
    lines.push(
      `| ${algorithm}${algorithm === lever.baseline ? ' (baseline)' : ''} | ${c ? `${c.caller} / ${c.gateway}` : 'n/a'} | ${of((m) => m.setupFull.p50)} | ${p99('setupFull')} | ${of((m) => m.setupResumed.p50)} | ${p99('setupResumed')} | ${cpu('setupFull', algorithm)} | ${cpu('setupResumed', algorithm)} | ${ratioText(ratio(lever, algorithm, (m) => m.setupFull.p50))} | ${ratioText(ratio(lever, algorithm, (m) => m.setupResumed.p50))} | ${ratioText(ratio(lever, algorithm, (m) => m.setupFull.cpuMsPerStream.relay))} |`,
    );
  }
  lines.push('');
  return lines;
}
