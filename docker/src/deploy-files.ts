/**
 * Burrow's deployment files and what is expected of each image: the one place the checks, the
 * process runner and the CLI look them up.
 */
import path from 'node:path';

export const DOCKER_DIR = path.resolve(import.meta.dirname, '..');
export const REPO_ROOT = path.resolve(DOCKER_DIR, '..');
export const COMPOSE_FILE = path.join(DOCKER_DIR, 'compose.yaml');
export const ENV_EXAMPLE_FILE = path.join(DOCKER_DIR, '.env.example');

export interface ImageSpec {
  app: string;
  dockerfile: string;
  /** Whether the app serves a health endpoint (control plane /healthz; relay, gateway /readyz). */
  healthEndpoint: boolean;
}

export const IMAGES: readonly ImageSpec[] = [
  { app: 'control-plane', dockerfile: 'control-plane.Dockerfile', healthEndpoint: true },
  { app: 'relay', dockerfile: 'relay.Dockerfile', healthEndpoint: true },
  { app: 'gateway', dockerfile: 'gateway.Dockerfile', healthEndpoint: true },
  { app: 'access-cli', dockerfile: 'access-cli.Dockerfile', healthEndpoint: false },
];
