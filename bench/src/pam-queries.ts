/**
 * Database queries through PAM (issue 20): `pgbench` straight to a PostgreSQL on loopback and
 * through `burrow pam access`, side by side in one run.
 *
 *   direct   pgbench -> PostgreSQL (SCRAM over TCP, no TLS)
 *   pam      pgbench -> `burrow pam access` listener -> relay :8443 -> SSH channel -> gateway
 *            (inner mTLS, logs in with the stored password, records every query, fsync before the
 *            answer) -> PostgreSQL
 *
 * The stack is the burrow path's (one control plane, relay and gateway); the database, its PAM
 * resource and account, a member identity with a grant and its `burrow login` are made here.
 * Every mode runs direct and pam alternately, `repetitions` times (interleave.ts), and reports
 * the median, min and max of the pam / direct ratio. CPU per transaction per role comes from
 * /proc (process-stats.ts).
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  createPamAccount,
  createPostgresResource,
  createUniversalAuthIdentity,
  grantPamAccess,
  runBurrow,
  startBurrow,
  type ManagedProcess,
} from '@burrow/stack';
import { findPostgresBinDir, startPostgres, type PostgresServer } from '@burrow/test-support';
import type { BurrowPath } from './burrow-path.ts';
import { interleave } from './interleave.ts';
import { median, spread, type Spread } from './percentiles.ts';
import { sampleProcesses, type ProcessRoot } from './process-stats.ts';

/** One pgbench workload. */
export interface PgbenchMode {
  name: string;
  /** pgbench arguments besides -T, the connection and -n. */
  args: string[];
}

export const PGBENCH_MODES: Record<string, PgbenchMode> = {
  'select-only, 1 client': { name: 'select-only, 1 client', args: ['-S', '-c', '1', '-j', '1'] },
  'select-only, 16 clients': {
    name: 'select-only, 16 clients',
    args: ['-S', '-c', '16', '-j', '4'],
  },
  'TPC-B-like, 1 client': { name: 'TPC-B-like, 1 client', args: ['-c', '1', '-j', '1'] },
  'TPC-B-like, 16 clients': { name: 'TPC-B-like, 16 clients', args: ['-c', '16', '-j', '4'] },
  'select-only, new connection per transaction, 4 clients': {
    name: 'select-only, new connection per transaction, 4 clients',
    args: ['-S', '-C', '-c', '4', '-j', '2'],
  },
};

export interface PamQueryConfig {
  /** pgbench -i scale (100,000 accounts per unit). */
  scale: number;
  secondsPerRun: number;
  repetitions: number;
  modes: string[];
}

export type PamQueryPathName = 'direct' | 'pam';
export type PamQueryRole = 'access-cli' | 'relay' | 'gateway' | 'postgres';

export interface PgbenchRun {
  mode: string;
  path: PamQueryPathName;
  repetition: number;
  transactions: number;
  tps: number;
  latencyMs: number;
  /** CPU milliseconds per transaction of each role during the run. */
  cpuMsPerTransaction: Partial<Record<PamQueryRole, number>>;
}

export interface PamModeSummary {
  mode: string;
  directTps: number;
  pamTps: number;
  /** pam / direct TPS of each repetition: median, min, max. */
  ratio: Spread;
  /** Median pam latency minus median direct latency (ms per transaction). */
  addedLatencyMs: number;
  /** Median CPU ms per transaction of the pam run, per role. */
  pamCpuMsPerTransaction: Partial<Record<PamQueryRole, number>>;
}

export interface PamQueryResults {
  config: PamQueryConfig;
  commands: string[];
  runs: PgbenchRun[];
  summary: PamModeSummary[];
}

/** Why this machine cannot run the PAM query bench, or undefined when it can. */
export function pamQueriesUnavailable(): string | undefined {
  if (!findPostgresBinDir()) return 'PostgreSQL is not installed (no initdb)';
  if (!findPgbench()) return 'pgbench is not installed (postgresql-client)';
  return undefined;
}

export async function measurePamQueries(
  burrow: BurrowPath,
  config: PamQueryConfig,
  workDir: string,
  progress: (message: string) => void,
): Promise<PamQueryResults> {
  const pgbench = findPgbench() as string;
  progress('PAM queries: starting PostgreSQL');
  const postgres = await startPostgres();
  let access: ManagedProcess | undefined;
  try {
    const password = crypto.randomBytes(18).toString('base64url');
    await postgres.createLoginRole('bench_app', password, 'scram-sha-256');
    await postgres.sql('CREATE DATABASE bench OWNER bench_app');
    const direct = `host=127.0.0.1 port=${postgres.port} user=bench_app dbname=bench sslmode=disable`;
    progress(`PAM queries: pgbench -i -s ${config.scale}`);
    await runPgbench(pgbench, ['-i', '-q', '-s', String(config.scale), direct], password, 300_000);

    const { listenPort, process: accessProcess } = await openPamAccess(
      burrow,
      postgres,
      password,
      workDir,
    );
    access = accessProcess;
    const pam = `host=127.0.0.1 port=${listenPort} user=bench_app dbname=bench sslmode=disable`;
    const roles: Record<PamQueryRole, ProcessRoot[]> = {
      'access-cli': [{ pid: access.pid as number }],
      relay: burrow.roles.relay,
      gateway: burrow.roles.gateway,
      postgres: [{ pid: postgres.pid }],
    };

    const modes = config.modes.map((name) => {
      const mode = PGBENCH_MODES[name];
      if (!mode) throw new Error(`unknown pgbench mode ${name}`);
      return mode;
    });
    const paths = [
      { name: 'direct', conninfo: direct },
      { name: 'pam', conninfo: pam },
    ] as const;
    const runs = (
      await interleave(
        config.repetitions,
        modes,
        paths,
        async (mode, { name, conninfo }, repetition) => {
          const run = await measureRun(pgbench, mode, conninfo, password, config, roles);
          progress(
            `PAM queries: ${mode.name}, ${name} (${repetition}/${config.repetitions}): ${run.tps.toFixed(0)} TPS, ${run.latencyMs.toFixed(3)} ms`,
          );
          return { ...run, path: name, repetition } satisfies PgbenchRun;
        },
      )
    ).map(({ result }) => result);
    return {
      config,
      commands: [
        `PostgreSQL ${postgres.port} (initdb/pg_ctl, fsync=off), pgbench -i -s ${config.scale}`,
        `burrow pam access <account> --port 0   # account: bench_app on that database, behind the burrow path's gateway`,
        ...config.modes.map(
          (name) =>
            `pgbench -n -T ${config.secondsPerRun} ${PGBENCH_MODES[name]?.args.join(' ')} "<direct | pam conninfo>"`,
        ),
      ],
      runs,
      summary: summarise(runs, config.modes),
    };
  } finally {
    await access?.stop('SIGINT');
    await postgres.stop();
  }
}

/** Makes the account and a member who may use it, logs in as the member, starts `pam access`. */
async function openPamAccess(
  burrow: BurrowPath,
  postgres: PostgresServer,
  password: string,
  workDir: string,
): Promise<{ listenPort: number; process: ManagedProcess }> {
  const { stack, gatewayId } = burrow;
  const resource = await createPostgresResource(stack.api, {
    name: 'bench-pg',
    gatewayId,
    host: '127.0.0.1',
    port: postgres.port,
    database: 'bench',
  });
  await createPamAccount(stack.api, {
    resourceId: resource.id,
    name: 'bench-db',
    folderPath: 'bench',
    username: 'bench_app',
    password,
  });
  const member = await createUniversalAuthIdentity(stack.api, stack.organizationId, 'bencher');
  await grantPamAccess(stack.api, member.identityId, 'bench/');
  const configDir = path.join(workDir, 'pam-bench-config');
  fs.mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const login = await runBurrow(
    ['login', '--domain', stack.apiUrl, '--client-id', member.clientId],
    { configDir, env: { INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: member.clientSecret } },
  );
  if (login.code !== 0) throw new Error(`burrow login failed: ${login.stderr.trim()}`);
  // BENCH_CPU_PROF_DIR profiles the access CLI too, like every process of the burrow path.
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const access = startBurrow(['pam', 'access', 'bench/bench-db', '--port', '0'], {
    configDir,
    logFile: path.join(workDir, 'pam-access.log'),
    ...(profileDir ? { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } } : {}),
  });
  try {
    const line = await access.waitFor(/psql "host=127\.0\.0\.1 port=\d+/, 60_000);
    return { listenPort: Number(/port=(\d+)/.exec(line)?.[1]), process: access };
  } catch (error) {
    await access.stop('SIGINT');
    throw error;
  }
}

async function measureRun(
  pgbench: string,
  mode: PgbenchMode,
  conninfo: string,
  password: string,
  config: PamQueryConfig,
  roles: Record<PamQueryRole, ProcessRoot[]>,
): Promise<Omit<PgbenchRun, 'path' | 'repetition'>> {
  const names = Object.keys(roles) as PamQueryRole[];
  const sample = (): Record<string, number> =>
    Object.fromEntries(names.map((r) => [r, sampleProcesses(roles[r]).cpuSeconds]));
  let before = sample();
  // pgbench's -T clock includes connecting its clients: on a busy machine 16 connections through
  // the tunnel can take the whole of a short run. Such a run is repeated, 3 and then 10 times longer.
  let output = '';
  let transactions = 0;
  for (const seconds of [1, 3, 10].map((factor) => config.secondsPerRun * factor)) {
    before = sample();
    output = await runPgbench(
      pgbench,
      ['-n', '-T', String(seconds), ...mode.args, conninfo],
      password,
      seconds * 1000 + 60_000,
    );
    transactions = Number(/actually processed: (\d+)/.exec(output)?.[1]);
    if (transactions > 0) break;
  }
  const after = sample();
  const tps = Number(/^tps = ([\d.]+)/m.exec(output)?.[1]);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(output)?.[1]);
  if (!(transactions > 0) || Number.isNaN(tps)) throw new Error(`pgbench said:\n${output}`);
  const cpuMsPerTransaction: Partial<Record<PamQueryRole, number>> = {};
  for (const role of names) {
    cpuMsPerTransaction[role] = ((after[role]! - before[role]!) * 1000) / transactions;
  }
  return { mode: mode.name, transactions, tps, latencyMs, cpuMsPerTransaction };
}

/** Runs pgbench to completion; resolves with its stdout and stderr (progress and results). */
function runPgbench(
  pgbench: string,
  args: string[],
  password: string,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      pgbench,
      args,
      {
        env: { PATH: process.env.PATH ?? '', PGPASSWORD: password, PGCONNECT_TIMEOUT: '30' },
        timeout: timeoutMs,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `pgbench ${args.slice(0, -1).join(' ')} failed: ${stderr.trim() || error.message}`,
            ),
          );
        else resolve(`${stdout}\n${stderr}`);
      },
    );
  });
}

/** pgbench on PATH (Debian's wrapper) or next to initdb. */
function findPgbench(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), findPostgresBinDir()]) {
    if (dir && fs.existsSync(path.join(dir, 'pgbench'))) return path.join(dir, 'pgbench');
  }
  return undefined;
}

function summarise(runs: PgbenchRun[], modes: string[]): PamModeSummary[] {
  return modes.map((mode) => {
    const of = (p: PamQueryPathName): PgbenchRun[] =>
      runs.filter((run) => run.mode === mode && run.path === p);
    const direct = of('direct');
    const pam = of('pam');
    const ratios = pam.map((run, i) => run.tps / (direct[i]?.tps ?? NaN));
    const pamCpuMsPerTransaction: Partial<Record<PamQueryRole, number>> = {};
    for (const role of Object.keys(pam[0]?.cpuMsPerTransaction ?? {}) as PamQueryRole[]) {
      pamCpuMsPerTransaction[role] = median(pam.map((run) => run.cpuMsPerTransaction[role] ?? 0));
    }
    return {
      mode,
      directTps: median(direct.map((run) => run.tps)),
      pamTps: median(pam.map((run) => run.tps)),
      ratio: spread(ratios),
      addedLatencyMs:
        median(pam.map((run) => run.latencyMs)) - median(direct.map((run) => run.latencyMs)),
      pamCpuMsPerTransaction,
    };
  });
}
