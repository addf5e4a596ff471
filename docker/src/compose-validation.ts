/**
 * Validates a compose document against the Compose Specification JSON schema (the copy shipped in
 * the npm package `dclint`, `schemas/compose.schema.json`) with ajv, then checks what the schema
 * cannot: every `depends_on` target is a service, every network and named volume a service uses is
 * declared, every service has an image or a build, restart policies are known values.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ComposeFile } from './compose-file.ts';
import { serviceDependencies, serviceNetworks, serviceVolumes } from './compose-file.ts';

/** dclint does not export its schema file: find it beside the package's resolved entry point. */
function composeSchemaFile(): string {
  let dir = path.dirname(fileURLToPath(import.meta.resolve('dclint')));
  while (!fs.existsSync(path.join(dir, 'schemas', 'compose.schema.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('dclint/schemas/compose.schema.json not found');
    dir = parent;
  }
  return path.join(dir, 'schemas', 'compose.schema.json');
}

const COMPOSE_SCHEMA = JSON.parse(fs.readFileSync(composeSchemaFile(), 'utf8')) as Record<
  string,
  unknown
>;

const RESTART_POLICIES = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;
const DEPENDENCY_CONDITIONS = new Set([
  'service_started',
  'service_healthy',
  'service_completed_successfully',
]);

/** Schema errors, as "path: message" lines; empty when the document is valid. */
export function schemaFindings(document: unknown): string[] {
  // The schema declares draft-07 by URL, which ajv does not fetch: skip meta-validation. Formats
  // such as "duration" are not checked by the schema's own tooling either.
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    validateSchema: false,
    validateFormats: false,
  });
  const validate = ajv.compile(COMPOSE_SCHEMA);
  if (validate(document)) return [];
  return (validate.errors ?? []).map(
    (error) =>
      `${error.instancePath || '/'}: ${error.message ?? 'invalid'} ${JSON.stringify(error.params)}`,
  );
}

/** Cross-references the schema cannot express. */
export function referenceFindings(compose: ComposeFile): string[] {
  const findings: string[] = [];
  const services = compose.services ?? {};
  const networks = new Set(Object.keys(compose.networks ?? {}));
  const volumes = new Set(Object.keys(compose.volumes ?? {}));
  for (const [name, service] of Object.entries(services)) {
    if (service.image === undefined && service.build === undefined) {
      findings.push(`services.${name}: needs an image or a build`);
    }
    for (const [dependency, condition] of Object.entries(serviceDependencies(service))) {
      if (!(dependency in services)) {
        findings.push(`services.${name}.depends_on: "${dependency}" is not a service`);
      }
      if (!DEPENDENCY_CONDITIONS.has(condition)) {
        findings.push(
          `services.${name}.depends_on.${dependency}: unknown condition "${condition}"`,
        );
      }
      if (condition === 'service_healthy' && services[dependency]?.healthcheck === undefined) {
        findings.push(
          `services.${name}.depends_on.${dependency}: service_healthy, but ${dependency} has no healthcheck`,
        );
      }
    }
    for (const network of serviceNetworks(service)) {
      if (!networks.has(network))
        findings.push(`services.${name}.networks: "${network}" is not declared`);
    }
    for (const volume of serviceVolumes(service)) {
      const named = volume.source !== '' && !/^[./~]/.test(volume.source);
      if (named && !volumes.has(volume.source)) {
        findings.push(`services.${name}.volumes: "${volume.source}" is not declared`);
      }
    }
    if (service.restart !== undefined && !RESTART_POLICIES.test(service.restart)) {
      findings.push(`services.${name}.restart: unknown policy "${service.restart}"`);
    }
  }
  return findings;
}
