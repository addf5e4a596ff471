/**
 * Runs docker/compose.yaml's services as plain processes on loopback, in compose's start order and
 * with its start conditions: `service_healthy` waits for the dependency's own healthcheck command
 * to pass, `service_completed_successfully` for its exit code 0. Upstream images get a local
 * stand-in (PostgreSQL: a throwaway cluster). Every process is stopped by its PID in `stop()`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  freePort,
  quoteIdentifier,
  startPostgres,
  type PostgresServer,
} from '@burrow/test-support';
import { ChildProcessHandle } from './child-process.ts';
import type { ComposeFile } from './compose-file.ts';
import type { ProcessSpec } from './compose-process-plan.ts';
import { loopbackListenPorts, planServices, startOrder } from './compose-process-plan.ts';
import { LoopbackRewriter } from './loopback-rewriter.ts';

/** Upper bound for one service to become healthy or finish (compose: interval x retries). */
const CONDITION_TIMEOUT_MS = 90_000;
const HEALTH_POLL_MS = 250;

export class ComposeLoopbackStack {
  readonly workDir: string;
  readonly rewriter: LoopbackRewriter;
  readonly volumeDirs: ReadonlyMap<string, string>;
  readonly specs: ProcessSpec[];
  readonly processes = new Map<string, ChildProcessHandle>();
  private postgres: PostgresServer | undefined;

  private constructor(
    workDir: string,
    rewriter: LoopbackRewriter,
    volumeDirs: Map<string, string>,
    specs: ProcessSpec[],
  ) {
    this.workDir = workDir;
    this.rewriter = rewriter;
    this.volumeDirs = volumeDirs;
    this.specs = specs;
  }

  /** Plans every service; nothing is started yet. */
  static async plan(compose: ComposeFile): Promise<ComposeLoopbackStack> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-compose-'));
    // Traversable (not listable) so the PostgreSQL stand-in, running as its own user, reaches its dir.
    fs.chmodSync(workDir, 0o711);
    const ports = new Map<string, number>();
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.expose ?? []) ports.set(`${name}:${port}`, await freePort());
    }
    for (const { service, port } of loopbackListenPorts(compose)) {
      ports.set(`${service}:${port}`, await freePort());
    }
    const rewriter = new LoopbackRewriter(Object.keys(compose.services), ports);
    const volumeDirs = new Map<string, string>();
    for (const volume of Object.keys(compose.volumes ?? {})) {
      const dir = path.join(workDir, 'volumes', volume);
      // Docker creates a named volume from the image's directory: 0700, owned by the image's user.
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      volumeDirs.set(volume, dir);
    }
    const nodeDir = path.dirname(process.execPath);
    const baseEnv: Record<string, string> = {
      PATH: `${nodeDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: workDir,
      TMPDIR: os.tmpdir(),
    };
    const specs = planServices(compose, rewriter, volumeDirs, baseEnv);
    return new ComposeLoopbackStack(workDir, rewriter, volumeDirs, specs);
  }

  spec(service: string): ProcessSpec {
    const spec = this.specs.find((candidate) => candidate.service === service);
    if (spec === undefined) throw new Error(`no service ${service}`);
    return spec;
  }

  /** Starts every service `compose up` starts, in order, honouring each depends_on condition. */
  async start(onProgress: (message: string) => void = () => {}): Promise<void> {
    for (const spec of startOrder(this.specs)) {
      if (spec.onDemand) continue; // `compose run <service>` only
      for (const [dependency, condition] of Object.entries(spec.dependsOn)) {
        onProgress(`${spec.service}: waiting for ${dependency} (${condition})`);
        await this.waitFor(dependency, condition);
      }
      onProgress(`${spec.service}: starting ${spec.argv.join(' ')}`);
      if (spec.kind === 'upstream') await this.startUpstream(spec);
      else {
        this.processes.set(
          spec.service,
          new ChildProcessHandle(
            spec.service,
            spec.argv,
            spec.env,
            path.join(this.workDir, `${spec.service}.log`),
            this.workDir,
          ),
        );
      }
    }
  }

  /**
   * The postgres image's stand-in: its POSTGRES_USER as superuser, its POSTGRES_DB, and TCP
   * trusted on 127.0.0.1 (the compose file's services reach it without a password).
   */
  private async startUpstream(spec: ProcessSpec): Promise<void> {
    if (!spec.image?.startsWith('postgres:'))
      throw new Error(`no local stand-in for ${spec.image}`);
    const user = spec.composeEnv.POSTGRES_USER ?? 'postgres';
    const database = spec.composeEnv.POSTGRES_DB ?? user;
    this.postgres = await startPostgres({
      dir: path.join(this.workDir, 'postgres'),
      port: this.rewriter.port(spec.service, 5432),
      superuser: user,
      trustTcp: true,
    });
    // As the official image: POSTGRES_DB (default: the user's name) is created unless it is postgres.
    if (database !== 'postgres')
      await this.postgres.sql(`CREATE DATABASE ${quoteIdentifier(database)}`);
  }

  /** Resolves when `service` meets `condition`; throws with its log tail when it cannot. */
  async waitFor(service: string, condition: string): Promise<void> {
    const spec = this.spec(service);
    if (spec.kind === 'upstream' || condition === 'service_started') return; // pg_ctl -w waited
    const child = this.processes.get(service);
    if (child === undefined) throw new Error(`${service} was not started`);
    if (condition === 'service_completed_successfully') {
      const code = await Promise.race([child.wait(), timeout(CONDITION_TIMEOUT_MS, service)]);
      if (code !== 0) throw new Error(`${service} exited with ${code}:\n${child.tail()}`);
      return;
    }
    if (spec.healthcheck === undefined) throw new Error(`${service} has no exec-form healthcheck`);
    const deadline = Date.now() + CONDITION_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!child.running) throw new Error(`${service} exited with ${child.code}:\n${child.tail()}`);
      const [command, ...args] = spec.healthcheck;
      const result = spawnSync(command as string, args, { env: spec.env, timeout: 3_000 });
      if (result.status === 0) return;
      await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
    }
    throw new Error(`${service} not healthy after ${CONDITION_TIMEOUT_MS} ms:\n${child.tail()}`);
  }

  /** Stops every process (dependents first) and the PostgreSQL stand-in; removes the scratch dir. */
  async stop(): Promise<void> {
    for (const spec of startOrder(this.specs).reverse())
      await this.processes.get(spec.service)?.stop();
    try {
      await this.postgres?.stop();
    } finally {
      if (!process.env.BURROW_KEEP_STACK_DIR)
        fs.rmSync(this.workDir, { recursive: true, force: true });
    }
  }
}

function timeout(ms: number, service: string): Promise<never> {
  return new Promise((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`${service}: no exit after ${ms} ms`)), ms);
    timer.unref();
  });
}
