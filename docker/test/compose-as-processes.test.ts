/**
 * docker/compose.yaml's services run as plain processes on loopback — each with the command and
 * the environment compose.yaml and its image give it, service names and container ports mapped to
 * 127.0.0.1 and free ports, volumes to scratch directories, PostgreSQL as a throwaway local
 * cluster — in compose's health-gated order (the healthchecks themselves decide). Then the access
 * flow works through them: the gateway is healthy in GET /api/v2/gateways, the control plane
 * reaches the postgres service through relay and gateway (POST /api/v2/gateways/:id/test-connection),
 * and the access service's command (`docker-compose run --rm access`) gives a psql session through
 * them that the recording holds. So the compose file's commands and variables are exactly the ones
 * that work.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PlatformClient, routes } from '@burrow/platform-api';
import { loadCompose } from '../src/compose-file.ts';
import { parseDotEnv } from '../src/compose-interpolation.ts';
import { ComposeLoopbackStack } from '../src/compose-loopback-stack.ts';
import { COMPOSE_FILE, ENV_EXAMPLE_FILE, IMAGES, REPO_ROOT } from '../src/deploy-files.ts';

// docker/.env is optional: the example's values are compose's defaults, secrets left empty.
const variables: Record<string, string> = parseDotEnv(fs.readFileSync(ENV_EXAMPLE_FILE, 'utf8'));
const compose = loadCompose(COMPOSE_FILE, variables);
const gatewayName = variables.GATEWAY_NAME ?? 'gateway-1';
let stack: ComposeLoopbackStack;

/** The admin's client of the compose stack's control plane (set once the stack is up). */
let platform: PlatformClient;

function listGateways() {
  return platform.call(routes.listGateways);
}

function testConnection(gatewayId: string, targetHost: string, targetPort: number) {
  return platform.call(routes.testGatewayConnection, {
    params: { id: gatewayId },
    body: { targetHost, targetPort },
  });
}

/** Runs argv to its end with `input` on stdin; killed (by its PID) after `ms`. */
function runToEnd(
  argv: string[],
  env: Record<string, string>,
  input: string,
  ms: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

beforeAll(async () => {
  for (const app of ['control-plane', 'relay', 'gateway']) {
    const main = path.join(REPO_ROOT, 'apps', app, 'dist/main.js');
    if (!fs.existsSync(main)) throw new Error(`${main} is missing: run pnpm build first`);
  }
  stack = await ComposeLoopbackStack.plan(compose);
  await stack.start();
  // As `docker-compose run --rm access` does: its dependencies met first (the demo job done).
  for (const [dependency, condition] of Object.entries(stack.spec('access').dependsOn)) {
    await stack.waitFor(dependency, condition);
  }
  const admin = parseDotEnv(
    fs.readFileSync(path.join(stack.volumeDirs.get('bootstrap')!, 'admin.env'), 'utf8'),
  );
  platform = new PlatformClient({
    apiUrl: `http://127.0.0.1:${stack.rewriter.port('control-plane', 8080)}/api`,
    token: () => admin.INFISICAL_TOKEN,
  });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe('compose.yaml as processes on loopback', () => {
  it('runs the images’ own entrypoint with compose’s commands', () => {
    expect(stack.spec('control-plane').argv.slice(2)).toEqual(['serve']);
    expect(stack.spec('relay').argv.slice(2)).toEqual(['start']);
    expect(stack.spec('gateway').argv.slice(2)).toEqual(['start', gatewayName]);
    for (const name of ['control-plane', 'bootstrap', 'relay', 'gateway']) {
      expect(stack.spec(name).argv[0]).toBe(path.join(REPO_ROOT, 'docker/entrypoint.sh'));
    }
  });

  it('the bootstrap and demo jobs completed and left their secrets in 0600 files only', () => {
    const dir = stack.volumeDirs.get('bootstrap')!;
    expect(fs.readdirSync(dir).sort()).toEqual([
      'admin-password',
      'admin.env',
      'gateway.env',
      'relay.env',
    ]);
    expect(fs.readdirSync(stack.volumeDirs.get('postgres-secret')!)).toEqual(['password']);
    expect(fs.readdirSync(stack.volumeDirs.get('access')!)).toEqual(['developer.env']);
    for (const volume of ['bootstrap', 'postgres-secret', 'access']) {
      const volumeDir = stack.volumeDirs.get(volume)!;
      for (const file of fs.readdirSync(volumeDir)) {
        expect([file, fs.statSync(path.join(volumeDir, file)).mode & 0o777]).toEqual([file, 0o600]);
      }
    }
    const developer = parseDotEnv(
      fs.readFileSync(path.join(stack.volumeDirs.get('access')!, 'developer.env'), 'utf8'),
    );
    expect(Object.keys(developer).sort()).toEqual([
      'INFISICAL_AUTH_METHOD',
      'INFISICAL_UNIVERSAL_AUTH_CLIENT_ID',
      'INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET',
    ]);
    expect(stack.processes.get('demo')?.code).toBe(0);
    const relay = parseDotEnv(fs.readFileSync(path.join(dir, 'relay.env'), 'utf8'));
    expect(Object.keys(relay).sort()).toEqual([
      'INFISICAL_AUTH_METHOD',
      'INFISICAL_UNIVERSAL_AUTH_CLIENT_ID',
      'INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET',
    ]);
    expect(stack.processes.get('bootstrap')?.code).toBe(0);
    // What `docker-compose logs bootstrap` shows (docker/README.md): the console's address and
    // the first admin's sign-in, the password only by where it is.
    const log = stack.processes.get('bootstrap')!.tail();
    expect(log).toMatch(
      /bootstrap: web console http:\/\/127\.0\.0\.1:8080\/console\/ .*; sign in as \S+@\S+ with the generated password in \S*admin-password /,
    );
    expect(log).not.toContain(fs.readFileSync(path.join(dir, 'admin-password'), 'utf8').trim());
  });

  it.each(['bootstrap', 'demo'])('running the %s job again is a no-op', (job) => {
    const spec = stack.spec(job);
    const again = spawnSync(spec.argv[0]!, spec.argv.slice(1), { env: spec.env, encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('already done');
  });

  it('a job that fails names the call, the status and the server’s reason, exits 1 and writes nothing', () => {
    const dir = fs.mkdtempSync(path.join(stack.workDir, 'jobs-again-'));
    // The bootstrap job into an empty directory, against the control plane it already set up.
    const bootstrap = stack.spec('bootstrap');
    const again = spawnSync(bootstrap.argv[0]!, bootstrap.argv.slice(1), {
      env: { ...bootstrap.env, BURROW_BOOTSTRAP_DIR: dir, BURROW_POSTGRES_PASSWORD_FILE: '' },
      encoding: 'utf8',
    });
    expect([again.status, again.stdout]).toEqual([1, '']);
    expect(again.stderr).toMatch(
      /^bootstrap: POST \/api\/v1\/admin\/bootstrap answered 400: \S.*\n$/,
    );
    // The demo job with a token the control plane never issued.
    const demo = stack.spec('demo');
    const denied = spawnSync(demo.argv[0]!, demo.argv.slice(1), {
      env: {
        ...demo.env,
        INFISICAL_TOKEN: 'not-a-token',
        BURROW_DEMO_LOGIN_FILE: path.join(dir, 'developer.env'),
      },
      encoding: 'utf8',
    });
    expect([denied.status, denied.stdout]).toEqual([1, '']);
    expect(denied.stderr).toMatch(/^demo: GET \/api\/v2\/gateways answered 401: \S.*\n$/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['bootstrap', 'INFISICAL_API_URL', '', 'INFISICAL_API_URL is required'],
    [
      'demo',
      'INFISICAL_API_URL',
      'control-plane:8080',
      'INFISICAL_API_URL: "control-plane:8080" is not an http(s) URL',
    ],
    ['demo', 'BURROW_DEMO_TARGET', 'postgres', 'BURROW_DEMO_TARGET: "postgres" is not host:port'],
  ])('the %s job exits 2 on a bad setting (%s=%j)', (job, name, value, message) => {
    const spec = stack.spec(job);
    const result = spawnSync(spec.argv[0]!, spec.argv.slice(1), {
      env: {
        ...spec.env,
        [name]: value,
        BURROW_DEMO_LOGIN_FILE: path.join(stack.workDir, 'unused'),
      },
      encoding: 'utf8',
    });
    expect([result.status, result.stderr]).toEqual([2, `${job}: ${message}\n`]);
  });

  it('no job printed a secret: generated passwords, tokens and client secrets stay in their files', () => {
    const secrets: string[] = [];
    for (const volume of ['bootstrap', 'postgres-secret', 'access']) {
      const volumeDir = stack.volumeDirs.get(volume)!;
      for (const file of fs.readdirSync(volumeDir)) {
        const text = fs.readFileSync(path.join(volumeDir, file), 'utf8');
        if (file.endsWith('.env')) {
          const env = parseDotEnv(text);
          secrets.push(
            ...Object.entries(env)
              .filter(([key]) => /TOKEN|SECRET/.test(key))
              .map(([, value]) => value),
          );
        } else secrets.push(text.trim());
      }
    }
    expect(secrets.length).toBe(6); // admin token and password, relay, gateway, developer, postgres
    for (const name of ['control-plane', 'bootstrap', 'relay', 'gateway', 'demo']) {
      const output = fs.readFileSync(stack.processes.get(name)!.logFile, 'utf8');
      for (const secret of secrets) expect([name, output.includes(secret)]).toEqual([name, false]);
    }
  });

  it('`docker-compose run --rm access` with SQL on stdin: psql through relay and gateway, recorded', async () => {
    const spec = stack.spec('access');
    expect(spec.onDemand).toBe(true);
    const marker = `compose-loopback-${process.pid}`;
    const sql = [
      '\\set ON_ERROR_STOP on',
      'CREATE TABLE orders (id int PRIMARY KEY, item text);',
      `INSERT INTO orders VALUES (1, '${marker}');`,
      'SELECT id, item FROM orders;',
      '',
    ].join('\n');
    const run = await runToEnd(spec.argv, spec.env, sql, 120_000);
    expect([run.code, run.stderr]).toEqual([0, expect.stringContaining('PAM session ')]);
    expect(run.stdout).toContain(marker);
    const sessionId = /PAM session (\S+) for demo\/postgres/.exec(run.stderr)?.[1];
    expect(sessionId).toBeDefined();
    const deadline = Date.now() + 60_000;
    let recorded = '';
    while (Date.now() < deadline) {
      const { session } = await platform.call(routes.getPamSession, {
        params: { sessionId: sessionId! },
      });
      recorded = JSON.stringify(session.events ?? []);
      if (recorded.includes(marker)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(recorded).toContain(`INSERT INTO orders VALUES (1, '${marker}')`);
  }, 180_000);

  it('the gateway is healthy in GET /api/v2/gateways', async () => {
    const name = gatewayName;
    const deadline = Date.now() + 60_000;
    let gateway: { name: string; isHealthy: boolean } | undefined;
    while (Date.now() < deadline) {
      gateway = (await listGateways()).find((candidate) => candidate.name === name);
      if (gateway?.isHealthy) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(gateway).toMatchObject({ name, isHealthy: true });
  }, 90_000);

  it('the control plane reaches the postgres service through relay and gateway', async () => {
    const [gateway] = (await listGateways()).filter((candidate) => candidate.name === gatewayName);
    // "postgres:5432" as the gateway would dial it in compose, mapped like every other setting.
    const [host, port] = stack.rewriter.rewrite('gateway', 'postgres:5432', []).split(':');
    const result = await testConnection(gateway!.id, host!, Number(port));
    expect(result).toMatchObject({ reachable: true });
  }, 60_000);

  it('and reports a target that is not there as unreachable', async () => {
    const [gateway] = (await listGateways()).filter((candidate) => candidate.name === gatewayName);
    const result = await testConnection(gateway!.id, '127.0.0.1', 1);
    expect(result.reachable).toBe(false);
  }, 60_000);
});

describe('each image entrypoint', () => {
  it.each(IMAGES.filter((image) => image.app !== 'access-cli'))('$app: --help exits 0', (image) => {
    const main = path.join(REPO_ROOT, 'apps', image.app, 'dist/main.js');
    const result = spawnSync(path.join(REPO_ROOT, 'docker/entrypoint.sh'), [main, '--help'], {
      env: { PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: burrow-/);
  });

  it('refuses to start when BURROW_ENV_FILE is missing (bootstrap did not run)', () => {
    const main = path.join(REPO_ROOT, 'apps/relay/dist/main.js');
    const result = spawnSync(path.join(REPO_ROOT, 'docker/entrypoint.sh'), [main, 'start'], {
      env: {
        PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
        BURROW_ENV_FILE: '/nonexistent/relay.env',
      },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/BURROW_ENV_FILE=\/nonexistent\/relay.env is missing/);
  });
});
