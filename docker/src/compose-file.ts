/**
 * Reads `docker/compose.yaml` the way `docker compose` does for what Burrow uses: YAML with merge
 * keys (`<<: *anchor`), then variable interpolation, into a typed view of the parts the checks use.
 */
import fs from 'node:fs';
import { parse } from 'yaml';
import type { Variables } from './compose-interpolation.ts';
import { interpolateDeep } from './compose-interpolation.ts';

export interface ComposeHealthcheck {
  test?: string[] | string;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> } | string;
  entrypoint?: string[] | string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target: string; read_only?: boolean })[];
  networks?: string[] | Record<string, unknown>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  expose?: (string | number)[];
  ports?: (string | number | Record<string, unknown>)[];
  healthcheck?: ComposeHealthcheck;
  profiles?: string[];
  restart?: string;
  read_only?: boolean;
  user?: string;
  tmpfs?: string[] | string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { internal?: boolean } | null>;
  volumes?: Record<string, unknown>;
}

/** The document as YAML gives it, merge keys resolved, before interpolation. */
export function readComposeDocument(file: string): unknown {
  return parse(fs.readFileSync(file, 'utf8'), { merge: true });
}

/** The document after interpolation with `variables` (compose's `.env` plus the environment). */
export function loadCompose(file: string, variables: Variables): ComposeFile {
  return interpolateDeep(readComposeDocument(file), variables) as ComposeFile;
}

/** `environment:` as a map, whether written as a map or as a `KEY=value` list. */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  const result: Record<string, string> = {};
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    for (const entry of env) {
      const equals = entry.indexOf('=');
      if (equals > 0) result[entry.slice(0, equals)] = entry.slice(equals + 1);
    }
  } else {
    for (const [key, value] of Object.entries(env)) {
      if (value !== null) result[key] = String(value);
    }
  }
  return result;
}

/** `depends_on:` as name -> condition (`service_started` for the short list form). */
export function serviceDependencies(service: ComposeService): Record<string, string> {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps).map(([name, spec]) => [name, spec?.condition ?? 'service_started']),
  );
}

/** `networks:` as a list of names. */
export function serviceNetworks(service: ComposeService): string[] {
  const networks = service.networks ?? [];
  return Array.isArray(networks) ? networks : Object.keys(networks);
}

/** Short-syntax or long-syntax volumes as { source, target, readOnly }. */
export function serviceVolumes(
  service: ComposeService,
): { source: string; target: string; readOnly: boolean }[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') {
      return {
        source: volume.source ?? '',
        target: volume.target,
        readOnly: volume.read_only === true,
      };
    }
    const [source = '', target = '', mode = ''] = volume.split(':');
    return { source, target, readOnly: mode.split(',').includes('ro') };
  });
}

/** A string or list field as a list (compose splits strings like a shell; we only need lists). */
export function asList(value: string[] | string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(String) : value.split(/\s+/).filter(Boolean);
}
