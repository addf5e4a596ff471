/**
 * Lints one of Burrow's Dockerfiles. hadolint is not packaged for Debian bookworm or npm, so the
 * documented equivalent is `dockerfile-utils` (the parser-level validator behind VS Code's
 * Dockerfile support: unknown instructions, bad flags, malformed EXPOSE/COPY/ENV/HEALTHCHECK, ...)
 * plus the image rules of issue 7, checked on the parsed file:
 *
 * - multi-stage (a build stage and a runtime stage), base image as build arguments defaulting to
 *   the official Node 24 images, the runtime stage FROM `${NODE_IMAGE}` — or FROM `${RUNTIME_IMAGE}`
 *   with Node's binary copied from a `${NODE_IMAGE}` stage (smaller: no npm or headers)
 * - production dependencies only (`pnpm ... deploy --prod`)
 * - a non-root USER in the runtime stage, exec-form ENTRYPOINT
 * - the OCI labels title, description, version, revision, source
 * - HEALTHCHECK exactly where the app has a health endpoint
 */
import { validate } from 'dockerfile-utils';
import { parseDockerfile, type DockerfileModel } from './dockerfile-model.ts';

export const REQUIRED_LABELS = [
  'org.opencontainers.image.title',
  'org.opencontainers.image.description',
  'org.opencontainers.image.version',
  'org.opencontainers.image.revision',
  'org.opencontainers.image.source',
] as const;

export interface DockerfileExpectations {
  /** True when the app serves a health endpoint (then a HEALTHCHECK is required, else refused). */
  healthEndpoint: boolean;
}

/** Findings as "line N: message" strings; empty when the file passes. */
export function lintDockerfile(text: string, expectations: DockerfileExpectations): string[] {
  const findings = validate(text).map(
    (diagnostic) => `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`,
  );
  const model = parseDockerfile(text);
  const nodeImage = model.args.get('NODE_IMAGE');
  if (nodeImage === undefined || !/^node:24([.-]|$)/.test(nodeImage)) {
    findings.push('ARG NODE_IMAGE must default to an official Node 24 image (node:24-...)');
  }
  const buildImage = model.args.get('BUILD_IMAGE');
  if (buildImage === undefined || !/^node:24([.-]|$)/.test(buildImage)) {
    findings.push('ARG BUILD_IMAGE must default to an official Node 24 image (node:24-...)');
  }
  if (model.stages.length < 2) findings.push('must be multi-stage (build and runtime)');
  if (!runsNodeFromNodeImage(model)) {
    findings.push(
      'the runtime stage must start FROM ${NODE_IMAGE}, or FROM ${RUNTIME_IMAGE} with /usr/local/bin/node copied from a stage FROM ${NODE_IMAGE}',
    );
  }
  if (!/pnpm [^\n]*deploy --prod/.test(text)) {
    findings.push('production dependencies only: expected `pnpm ... deploy --prod`');
  }
  const user = model.final.user?.split(':')[0];
  if (user === undefined || user === 'root' || user === '0') {
    findings.push('the runtime stage must switch to a non-root USER');
  }
  if (model.final.entrypoint === undefined)
    findings.push('ENTRYPOINT must use the exec (JSON) form');
  for (const label of REQUIRED_LABELS) {
    if (!(label in model.final.labels)) findings.push(`missing LABEL ${label}`);
  }
  if (expectations.healthEndpoint && model.final.healthcheck === undefined) {
    findings.push('the app has a health endpoint: add a HEALTHCHECK');
  }
  if (!expectations.healthEndpoint && model.final.healthcheck !== undefined) {
    findings.push('HEALTHCHECK without a health endpoint in the app');
  }
  return findings;
}

/** Node in the final stage comes from NODE_IMAGE: its base, or its binary copied onto RUNTIME_IMAGE. */
function runsNodeFromNodeImage(model: DockerfileModel): boolean {
  const runtime = model.stages.at(-1)?.from;
  if (runtime === '${NODE_IMAGE}') return true;
  if (runtime !== '${RUNTIME_IMAGE}' || model.args.get('RUNTIME_IMAGE') === undefined) return false;
  const nodeStages = model.stages
    .filter((stage) => stage.from === '${NODE_IMAGE}')
    .map((stage) => stage.name);
  return model.final.copies.some(
    (copy) =>
      copy.from !== undefined &&
      nodeStages.includes(copy.from) &&
      copy.sources.includes('/usr/local/bin/node'),
  );
}
