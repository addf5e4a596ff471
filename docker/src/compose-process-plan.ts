/**
 * The compose stack as plain processes: for each service, the command line (image ENTRYPOINT/CMD
 * or the service's overrides, as compose combines them), the environment (image ENV, then the
 * service's `environment:`), the healthcheck command and the start conditions, all passed through
 * {@link LoopbackRewriter}. Services that run an upstream image (PostgreSQL) are described, not
 * started: the runner stands in a local server for them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ComposeFile, ComposeService } from './compose-file.ts';
import { asList, serviceDependencies, serviceEnvironment, serviceVolumes } from './compose-file.ts';
import { REPO_ROOT } from './deploy-files.ts';
import type { DockerfileModel } from './dockerfile-model.ts';
import { parseDockerfile } from './dockerfile-model.ts';
import type { LoopbackRewriter, PathMapping } from './loopback-rewriter.ts';

export interface ProcessSpec {
  service: string;
  /** Burrow images run as processes; `upstream` images (postgres) need a stand-in. */
  kind: 'burrow' | 'upstream';
  image: string | undefined;
  argv: string[];
  env: Record<string, string>;
  /** Exec-form healthcheck command (`CMD`), rewritten; undefined without one. */
  healthcheck: string[] | undefined;
  dependsOn: Record<string, string>;
  /** The service's environment as compose.yaml gives it, before rewriting. */
  composeEnv: Record<string, string>;
  /** In a profile: not started by a plain `compose up`, only by `compose run <service>`. */
  onDemand: boolean;
}

/** The Dockerfile that builds `name`'s image: its own build, or another service's with the same image. */
export function dockerfileOf(compose: ComposeFile, name: string): string | undefined {
  const service = compose.services[name] as ComposeService;
  const builder =
    typeof service.build === 'object'
      ? service
      : Object.values(compose.services).find(
          (other) => other.image === service.image && typeof other.build === 'object',
        );
  if (builder === undefined || typeof builder.build !== 'object') return undefined;
  const context = path.resolve(REPO_ROOT, 'docker', builder.build.context ?? '.');
  return path.resolve(context, builder.build.dockerfile ?? 'Dockerfile');
}

/** Container paths an image fills from the build context or from the app's `pnpm deploy` output. */
export function imagePaths(model: DockerfileModel): PathMapping[] {
  const mappings: PathMapping[] = [];
  for (const copy of model.final.copies) {
    if (copy.from === undefined && copy.sources.length === 1) {
      mappings.push({
        container: copy.destination,
        host: path.join(REPO_ROOT, copy.sources[0] as string),
      });
    } else if (copy.from !== undefined && copy.sources[0] === '/out') {
      const appDir = model.args.get('APP_DIR');
      if (appDir === undefined) throw new Error('COPY from /out needs ARG APP_DIR');
      mappings.push({ container: copy.destination, host: path.join(REPO_ROOT, appDir) });
    }
  }
  return mappings;
}

/**
 * Ports a service listens on inside its container on loopback only (`127.0.0.1:<port>` settings in
 * its image ENV or compose environment, e.g. the metrics address its healthcheck asks): as plain
 * processes they share one loopback, so each needs a free port of its own.
 */
export function loopbackListenPorts(compose: ComposeFile): { service: string; port: string }[] {
  const found: { service: string; port: string }[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    const dockerfile = dockerfileOf(compose, name);
    const imageEnv =
      dockerfile === undefined
        ? {}
        : parseDockerfile(fs.readFileSync(dockerfile, 'utf8')).final.env;
    const ports = new Set<string>();
    for (const value of Object.values({ ...imageEnv, ...serviceEnvironment(service) })) {
      const match = /^127\.0\.0\.1:(\d+)$/.exec(value);
      if (match) ports.add(match[1] as string);
    }
    for (const port of ports) found.push({ service: name, port });
  }
  return found;
}

export function planServices(
  compose: ComposeFile,
  rewriter: LoopbackRewriter,
  volumeDirs: ReadonlyMap<string, string>,
  baseEnv: Record<string, string>,
): ProcessSpec[] {
  const specs: ProcessSpec[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    const dockerfile = dockerfileOf(compose, name);
    const model =
      dockerfile === undefined ? undefined : parseDockerfile(fs.readFileSync(dockerfile, 'utf8'));
    const paths: PathMapping[] = model === undefined ? [] : imagePaths(model);
    for (const volume of serviceVolumes(service)) {
      const host = volumeDirs.get(volume.source);
      if (host !== undefined) paths.push({ container: volume.target, host });
    }
    const rewrite = (value: string): string => rewriter.rewrite(name, value, paths);
    const composeEnv = serviceEnvironment(service);
    const env: Record<string, string> = { ...baseEnv };
    for (const [key, value] of Object.entries({ ...model?.final.env, ...composeEnv })) {
      env[key] = rewrite(value);
    }
    const entrypoint = asList(service.entrypoint) ?? model?.final.entrypoint ?? [];
    const command =
      asList(service.command) ??
      (service.entrypoint === undefined ? model?.final.cmd : undefined) ??
      [];
    const test = asList(service.healthcheck?.test);
    specs.push({
      service: name,
      kind: model === undefined ? 'upstream' : 'burrow',
      image: service.image,
      argv: [...entrypoint, ...command].map(rewrite),
      env,
      healthcheck: test?.[0] === 'CMD' ? test.slice(1).map(rewrite) : undefined,
      dependsOn: serviceDependencies(service),
      composeEnv,
      onDemand: (service.profiles ?? []).length > 0,
    });
  }
  return specs;
}

/** Services in an order where every dependency comes first; throws on a cycle. */
export function startOrder(specs: readonly ProcessSpec[]): ProcessSpec[] {
  const byName = new Map(specs.map((spec) => [spec.service, spec]));
  const ordered: ProcessSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (spec: ProcessSpec): void => {
    if (state.get(spec.service) === 'done') return;
    if (state.get(spec.service) === 'visiting')
      throw new Error(`depends_on cycle at ${spec.service}`);
    state.set(spec.service, 'visiting');
    for (const dependency of Object.keys(spec.dependsOn)) {
      const target = byName.get(dependency);
      if (target !== undefined) visit(target);
    }
    state.set(spec.service, 'done');
    ordered.push(spec);
  };
  for (const spec of specs) visit(spec);
  return ordered;
}
