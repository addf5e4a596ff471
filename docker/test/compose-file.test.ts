/**
 * docker/compose.yaml against the Compose Specification schema and the references the schema cannot
 * check, the network topology issue 7 asks for, and .env.example covering every variable.
 */
import fs from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import type { ComposeFile } from '../src/compose-file.ts';
import {
  loadCompose,
  serviceEnvironment,
  serviceNetworks,
  serviceVolumes,
} from '../src/compose-file.ts';
import { interpolate, parseDotEnv } from '../src/compose-interpolation.ts';
import { referenceFindings, schemaFindings } from '../src/compose-validation.ts';
import { COMPOSE_FILE, ENV_EXAMPLE_FILE } from '../src/deploy-files.ts';

const example = parseDotEnv(fs.readFileSync(ENV_EXAMPLE_FILE, 'utf8'));
const compose = loadCompose(COMPOSE_FILE, example);

describe('compose.yaml', () => {
  it('is valid against the Compose Specification schema', () => {
    expect(schemaFindings(compose)).toEqual([]);
  });

  it('has no dangling references (depends_on, networks, volumes, restart, image or build)', () => {
    expect(referenceFindings(compose)).toEqual([]);
  });

  it('puts postgres only on the internal private network, reachable only through the gateway', () => {
    expect(compose.networks?.private?.internal).toBe(true);
    expect(compose.networks?.public?.internal).not.toBe(true);
    const onPrivate = Object.entries(compose.services)
      .filter(([, service]) => serviceNetworks(service).includes('private'))
      .map(([name]) => name)
      .sort();
    expect(onPrivate).toEqual(['gateway', 'postgres']);
    expect(serviceNetworks(compose.services.postgres!)).toEqual(['private']);
    expect(compose.services.postgres?.ports).toBeUndefined();
    expect(serviceNetworks(compose.services.gateway!)).toEqual(['public', 'private']);
    expect(compose.services.gateway?.ports).toBeUndefined();
  });

  it('starts in health-gated order and hands the bootstrap secrets over read-only', () => {
    expect(compose.services.bootstrap?.depends_on).toEqual({
      'control-plane': { condition: 'service_healthy' },
    });
    expect(compose.services.relay?.depends_on).toMatchObject({
      'control-plane': { condition: 'service_healthy' },
      bootstrap: { condition: 'service_completed_successfully' },
    });
    expect(compose.services.gateway?.depends_on).toMatchObject({
      bootstrap: { condition: 'service_completed_successfully' },
      relay: { condition: 'service_healthy' },
    });
    for (const name of ['relay', 'gateway']) {
      expect(serviceVolumes(compose.services[name]!)).toContainEqual({
        source: 'bootstrap',
        target: '/var/lib/burrow/bootstrap',
        readOnly: true,
      });
    }
    expect(compose.services.postgres?.depends_on).toEqual({
      bootstrap: { condition: 'service_completed_successfully' },
    });
    expect(compose.services.demo?.depends_on).toEqual({
      gateway: { condition: 'service_healthy' },
    });
    expect(compose.services.access?.depends_on).toEqual({
      demo: { condition: 'service_completed_successfully' },
    });
    expect(compose.services.bootstrap?.restart).toBe('no');
    expect(compose.services.demo?.restart).toBe('no');
  });

  it('mounts each secrets volume only where it is needed, writable only by the job that fills it', () => {
    const mounts = (volume: string): string[] =>
      Object.entries(compose.services)
        .flatMap(([name, service]) =>
          serviceVolumes(service)
            .filter((mount) => mount.source === volume)
            .map((mount) => `${name}${mount.readOnly ? ':ro' : ''}`),
        )
        .sort();
    expect(mounts('bootstrap')).toEqual(['bootstrap', 'demo:ro', 'gateway:ro', 'relay:ro']);
    expect(mounts('postgres-secret')).toEqual(['bootstrap', 'demo:ro', 'postgres:ro']);
    expect(mounts('access')).toEqual(['access:ro', 'demo']);
  });

  it('the access command is not started by up: `docker-compose run --rm access` runs psql through burrow', () => {
    expect(compose.services.access?.profiles).toEqual(['tools']);
    expect(compose.services.access?.entrypoint).toEqual([
      '/usr/local/bin/burrow-pam-psql',
      'demo/postgres',
    ]);
    expect(compose.services.access?.environment).toMatchObject({
      BURROW_ENV_FILE: '/var/lib/burrow/access/developer.env',
    });
  });

  it('keeps data in named volumes', () => {
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual([
      'access',
      'bootstrap',
      'control-plane-data',
      'gateway-recordings',
      'postgres-data',
      'postgres-secret',
    ]);
    expect(serviceVolumes(compose.services.gateway!)).toContainEqual({
      source: 'gateway-recordings',
      target: '/var/lib/infisical/session_recordings',
      readOnly: false,
    });
  });

  it('runs every service on a read-only root filesystem, postgres as uid 10001', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect([name, service.read_only]).toEqual([name, true]);
    }
    // The uid of the secrets files: postgres reads its generated password (0600).
    expect(compose.services.postgres?.user).toBe('10001:10001');
  });

  it('registers the relay as `relay` by default, RELAY_HOST otherwise, published on 2222 and 8443', () => {
    expect(compose.services.relay?.ports).toEqual(['2222:2222', '8443:8443']);
    expect(compose.services.relay?.environment).toMatchObject({ INFISICAL_RELAY_HOST: 'relay' });
    const lan = loadCompose(COMPOSE_FILE, { ...example, RELAY_HOST: '192.0.2.10' });
    expect(lan.services.relay?.environment).toMatchObject({ INFISICAL_RELAY_HOST: '192.0.2.10' });
  });

  it("has no top-level name: Debian's docker-compose 1.29 refuses it (COMPOSE_PROJECT_NAME in .env)", () => {
    expect(parse(fs.readFileSync(COMPOSE_FILE, 'utf8'))).not.toHaveProperty('name');
    expect(example.COMPOSE_PROJECT_NAME).toBe('burrow');
  });

  it('runs without docker/.env, and has no secret in the file: empty ones are generated', () => {
    const bare = loadCompose(COMPOSE_FILE, {});
    const env = (name: string) => serviceEnvironment(bare.services[name]!);
    expect(env('control-plane')).toMatchObject({ ENCRYPTION_KEY: '' });
    expect(env('bootstrap')).toMatchObject({ BURROW_ADMIN_PASSWORD: '' });
    for (const name of Object.keys(bare.services)) {
      expect([name, env(name).POSTGRES_PASSWORD]).toEqual([name, undefined]);
    }
    expect(env('postgres')).toMatchObject({
      POSTGRES_PASSWORD_FILE: '/var/lib/burrow/postgres-secret/password',
    });
    const text = fs.readFileSync(COMPOSE_FILE, 'utf8');
    expect(text).toMatch(/ENCRYPTION_KEY: \$\{ENCRYPTION_KEY:-\}/);
    expect(text).toMatch(/BURROW_ADMIN_PASSWORD: \$\{BURROW_ADMIN_PASSWORD:-\}/);
  });

  it('.env.example names every variable compose.yaml reads', () => {
    const text = fs.readFileSync(COMPOSE_FILE, 'utf8').replaceAll('$$', '');
    const used = new Set(
      [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]),
    );
    expect([...used].filter((name) => !(name! in example)).sort()).toEqual([]);
  });
});

describe('the validators are real judges', () => {
  const base = parse(fs.readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as ComposeFile;

  it('the schema reports wrong types and unknown keys', () => {
    const bad = structuredClone(base) as unknown as {
      services: Record<string, Record<string, unknown>>;
    };
    bad.services.relay!.ports = '8443';
    bad.services.gateway!.enviroment = {};
    const findings = schemaFindings(bad).join('\n');
    expect(findings).toMatch(/\/services\/relay\/ports: must be array/);
    expect(findings).toMatch(/enviroment/);
  });

  it('the reference check reports undeclared networks, volumes and services', () => {
    const bad = structuredClone(base);
    bad.services.gateway!.networks = ['public', 'privat'];
    bad.services.relay!.volumes = ['bootstrp:/var/lib/burrow/bootstrap:ro'];
    bad.services.relay!.depends_on = { 'control-plan': { condition: 'service_healthy' } };
    bad.services.relay!.restart = 'sometimes';
    expect(referenceFindings(bad)).toEqual([
      'services.relay.depends_on: "control-plan" is not a service',
      'services.relay.depends_on.control-plan: service_healthy, but control-plan has no healthcheck',
      'services.relay.volumes: "bootstrp" is not declared',
      'services.relay.restart: unknown policy "sometimes"',
      'services.gateway.networks: "privat" is not declared',
    ]);
  });
});

describe('interpolation', () => {
  it('follows compose: defaults, required variables, $$', () => {
    expect(interpolate('${A:-x}-${B-y}-$C-$$D', { A: '', B: '', C: 'c' })).toBe('x--c-$D');
    expect(() => interpolate('${A:?set A}', { A: '' })).toThrow(
      'required variable A is missing: set A',
    );
    expect(interpolate('${A?x}', { A: '' })).toBe('');
  });
});
