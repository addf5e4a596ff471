#!/usr/bin/env node
/**
 * `burrow-deploy-checks`: lints every Dockerfile in docker/ and validates docker/compose.yaml
 * (Compose schema + references), printing one line per finding. Exit 0 clean, 1 findings.
 * Runs in `pnpm lint`; the jest tests in test/ run the same checks and more.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadCompose } from './compose-file.ts';
import { parseDotEnv } from './compose-interpolation.ts';
import { referenceFindings, schemaFindings } from './compose-validation.ts';
import { COMPOSE_FILE, DOCKER_DIR, ENV_EXAMPLE_FILE, IMAGES } from './deploy-files.ts';
import { lintDockerfile } from './dockerfile-lint.ts';

/** Values for the variables .env.example leaves for the operator to fill in. */
const PLACEHOLDER_SECRETS = {
  ENCRYPTION_KEY: '0'.repeat(64),
  BURROW_ADMIN_PASSWORD: 'placeholder-password',
  POSTGRES_PASSWORD: 'placeholder-password',
  RELAY_HOST: '192.0.2.10',
};

const findings: string[] = [];
for (const image of IMAGES) {
  const file = path.join(DOCKER_DIR, image.dockerfile);
  for (const finding of lintDockerfile(fs.readFileSync(file, 'utf8'), image)) {
    findings.push(`docker/${image.dockerfile}: ${finding}`);
  }
}
const variables = {
  ...parseDotEnv(fs.readFileSync(ENV_EXAMPLE_FILE, 'utf8')),
  ...PLACEHOLDER_SECRETS,
};
const compose = loadCompose(COMPOSE_FILE, variables);
for (const finding of [...schemaFindings(compose), ...referenceFindings(compose)]) {
  findings.push(`docker/compose.yaml: ${finding}`);
}
for (const finding of findings) process.stdout.write(`${finding}\n`);
process.stdout.write(
  `deploy checks: ${IMAGES.length} Dockerfiles, compose.yaml: ${findings.length === 0 ? 'ok' : `${findings.length} finding(s)`}\n`,
);
process.exitCode = findings.length === 0 ? 0 : 1;
