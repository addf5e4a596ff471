import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PlatformClient, routes, type RouteResponse } from '@burrow/platform-api';
import { freePort } from '@burrow/test-support';
import { ManagedProcess } from './managed-process.ts';
import { createUniversalAuthIdentity } from './universal-auth-identity.ts';

/**
 * The whole Burrow stack on loopback, from the real binaries:
 *
 *   control plane (fresh SQLite in a scratch dir) -> bootstrap -> machine identities
 *   relay   (burrow-relay start, universal auth, SSH + TLS on free loopback ports)
 *   gateway (burrow-gateway start <name>, universal auth) dialing out to the relay
 *
 * Used by the README's first command (src/main.ts) and by the cross-app tests. Every process is
 * started with only the documented INFISICAL_* / BURROW_* settings and stopped by its PID.
 */
const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const BINARIES = {
  controlPlane: path.join(repoRoot, 'apps/control-plane/dist/main.js'),
  relay: path.join(repoRoot, 'apps/relay/dist/main.js'),
  gateway: path.join(repoRoot, 'apps/gateway/dist/main.js'),
} as const;

export interface RelayHandle {
  name: string;
  process: ManagedProcess;
  sshPort: number;
  tlsPort: number;
  clientId: string;
  clientSecret: string;
}

export interface GatewayHandle {
  name: string;
  relayName: string;
  process: ManagedProcess;
  /** Where the gateway keeps PAM session recordings (INFISICAL_PAM_SESSION_RECORDING_PATH). */
  recordingDir: string;
  identityId: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Login settings instead of the universal-auth identity the stack creates: the identity (already
 * configured by the caller) and exactly the environment its login method's docs list, e.g.
 * `{ INFISICAL_AUTH_METHOD: 'kubernetes', INFISICAL_MACHINE_IDENTITY_ID: id,
 * INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH: file }`.
 */
export interface CustomAuth {
  identityId: string;
  env: Record<string, string>;
}

export interface LocalStackOptions {
  /** Scratch directory for data and logs; a fresh temp dir by default, removed on stop. */
  workDir?: string;
  /** Extra environment for every child (e.g. NODE_OPTIONS for a test tap). */
  extraEnv?: Record<string, string>;
  /** Extra environment for the control plane only (e.g. BURROW_GCP_ID_TOKEN_JWKS_URL). */
  controlPlaneEnv?: Record<string, string>;
  /** Progress messages ("starting relay ..."). */
  onProgress?: (message: string) => void;
  /**
   * Stops the start-up (Ctrl-C while the control plane is starting): what was started is stopped
   * and a scratch dir this call made is removed; start() then rejects.
   */
  signal?: AbortSignal;
}

/**
 * How long a process of the stack may take to answer after it was started: a hang detector. A
 * loaded 2-core machine (load ~40) took over 60 s to bring the control plane up.
 */
const STARTUP_TIMEOUT_MS = 150_000;

/** A row of `GET /api/v2/gateways`. */
export type GatewaySummary = RouteResponse<typeof routes.listGateways>[number];

/** How the stack's own calls show in the control plane's logs. */
const STACK_USER_AGENT = 'burrow-stack';

export class LocalStack {
  readonly workDir: string;
  readonly apiUrl: string;
  /** The control plane, called as the organization's admin identity. */
  readonly api: PlatformClient;
  /** That admin identity's access token (what the status screen's curl examples use). */
  readonly adminToken: string;
  /** The first admin's sign-in for the web console (`<control plane>/console/`). */
  readonly adminUser: { email: string; password: string };
  controlPlane: ManagedProcess;
  readonly organizationId: string;
  readonly relayAuthSecret: string;
  readonly relays = new Map<string, RelayHandle>();
  readonly gateways = new Map<string, GatewayHandle>();
  private readonly ownsWorkDir: boolean;
  private readonly extraEnv: Record<string, string>;
  private readonly progress: (message: string) => void;

  private constructor(init: {
    workDir: string;
    ownsWorkDir: boolean;
    apiUrl: string;
    adminToken: string;
    adminUser: { email: string; password: string };
    controlPlane: ManagedProcess;
    organizationId: string;
    relayAuthSecret: string;
    extraEnv: Record<string, string>;
    progress: (message: string) => void;
  }) {
    this.workDir = init.workDir;
    this.ownsWorkDir = init.ownsWorkDir;
    this.apiUrl = init.apiUrl;
    this.adminToken = init.adminToken;
    this.adminUser = init.adminUser;
    this.api = this.clientWith(init.adminToken);
    this.controlPlane = init.controlPlane;
    this.organizationId = init.organizationId;
    this.relayAuthSecret = init.relayAuthSecret;
    this.extraEnv = init.extraEnv;
    this.progress = init.progress;
  }

  /** Starts the control plane on a fresh data dir and bootstraps an organization. */
  static async start(options: LocalStackOptions = {}): Promise<LocalStack> {
    for (const [name, file] of Object.entries(BINARIES)) {
      if (!fs.existsSync(file))
        throw new Error(`${name} is not built (${file} missing): run pnpm build`);
    }
    const nodeMajor = Number(process.versions.node.split('.')[0]);
    if (nodeMajor < 24) {
      throw new Error(
        `Burrow needs Node 24 or newer, this is Node ${process.versions.node}: use ./scripts/run-stack.sh, which installs it`,
      );
    }
    const progress = options.onProgress ?? (() => {});
    const ownsWorkDir = options.workDir === undefined;
    const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-stack-'));
    fs.mkdirSync(workDir, { recursive: true, mode: 0o700 });
    const extraEnv = options.extraEnv ?? {};
    const relayAuthSecret = crypto.randomBytes(24).toString('base64url');
    const signal = options.signal;
    let controlPlane: ManagedProcess | undefined;
    try {
      const port = await freePort();
      progress(
        `starting control plane on 127.0.0.1:${port} (data in ${path.join(workDir, 'control-plane')})`,
      );
      controlPlane = new ManagedProcess({
        name: 'control-plane',
        command: process.execPath,
        args: [
          BINARIES.controlPlane,
          'serve',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--data-dir',
          path.join(workDir, 'control-plane'),
        ],
        env: childEnv({
          RELAY_AUTH_SECRET: relayAuthSecret,
          ...extraEnv,
          ...options.controlPlaneEnv,
        }),
        logFile: path.join(workDir, 'control-plane.log'),
      });
      const apiUrl = `http://127.0.0.1:${port}/api`;
      await waitForHttp(
        `http://127.0.0.1:${port}/healthz`,
        controlPlane,
        STARTUP_TIMEOUT_MS,
        signal,
      );
      progress('bootstrapping organization "burrow-local"');
      const bootstrap = new PlatformClient({ apiUrl, userAgent: STACK_USER_AGENT });
      const adminUser = {
        email: 'admin@burrow.local',
        password: crypto.randomBytes(12).toString('base64url'),
      };
      const { organization, identity } = await bootstrap.call(routes.bootstrapInstance, {
        body: { ...adminUser, organization: 'burrow-local' },
      });
      signal?.throwIfAborted();
      return new LocalStack({
        workDir,
        ownsWorkDir,
        apiUrl,
        adminToken: identity.credentials.token,
        adminUser,
        controlPlane,
        organizationId: organization.id,
        relayAuthSecret,
        extraEnv,
        progress,
      });
    } catch (error) {
      // A failed start leaves nothing behind, as stop() would not: the control plane is stopped
      // (by PID) and a scratch dir this call made is removed — it holds the admin token and the
      // CA keys. What explains the failure is in the error (waitForHttp quotes the log's tail);
      // BURROW_KEEP_STACK_DIR keeps the dir for a closer look.
      await controlPlane?.stop();
      if (ownsWorkDir && !process.env.BURROW_KEEP_STACK_DIR)
        fs.rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Starts (or restarts, keeping identity and ports) an org relay on loopback. */
  async startRelay(
    name: string,
    options: { env?: Record<string, string>; auth?: CustomAuth } = {},
  ): Promise<RelayHandle> {
    const previous = this.relays.get(name);
    if (previous?.process.running) throw new Error(`relay ${name} is already running`);
    const identity = options.auth
      ? { clientId: '', clientSecret: '' }
      : (previous ??
        (await createUniversalAuthIdentity(
          this.api,
          this.organizationId,
          `${name}-identity`,
          'relay',
        )));
    const sshPort = previous?.sshPort ?? (await freePort());
    const tlsPort = previous?.tlsPort ?? (await freePort());
    this.progress(`starting relay ${name} (SSH 127.0.0.1:${sshPort}, TLS 127.0.0.1:${tlsPort})`);
    const relayProcess = new ManagedProcess({
      name: `relay ${name}`,
      command: process.execPath,
      args: [BINARIES.relay, 'start'],
      env: childEnv({
        INFISICAL_API_URL: this.apiUrl,
        INFISICAL_RELAY_NAME: name,
        INFISICAL_RELAY_HOST: '127.0.0.1',
        INFISICAL_RELAY_TYPE: 'org',
        ...(options.auth?.env ?? universalAuthEnv(identity)),
        BURROW_RELAY_SSH_LISTEN_ADDRESS: `127.0.0.1:${sshPort}`,
        BURROW_RELAY_TLS_LISTEN_ADDRESS: `127.0.0.1:${tlsPort}`,
        ...this.extraEnv,
        ...options.env,
      }),
      logFile: path.join(this.workDir, `relay-${name}.log`),
    });
    const handle: RelayHandle = {
      name,
      process: relayProcess,
      sshPort,
      tlsPort,
      clientId: identity.clientId,
      clientSecret: identity.clientSecret,
    };
    this.relays.set(name, handle);
    await relayProcess.waitFor(/Relay started successfully/, STARTUP_TIMEOUT_MS);
    return handle;
  }

  /**
   * Starts (or restarts, keeping identity and recording dir) a gateway with its own machine
   * identity, dialing out to `relayName`. PAM session recordings go to
   * `<workDir>/gateway-<name>-recordings`, so a restarted gateway finds what it left behind.
   */
  async startGateway(
    name: string,
    relayName: string,
    options: { env?: Record<string, string>; auth?: CustomAuth } = {},
  ): Promise<GatewayHandle> {
    const previous = this.gateways.get(name);
    if (previous?.process.running) throw new Error(`gateway ${name} is already running`);
    const identity = options.auth
      ? { identityId: options.auth.identityId, clientId: '', clientSecret: '' }
      : (previous ??
        (await createUniversalAuthIdentity(
          this.api,
          this.organizationId,
          `${name}-identity`,
          'gateway',
        )));
    this.progress(`starting gateway ${name} (dials out to relay ${relayName})`);
    const recordingDir = path.join(this.workDir, `gateway-${name}-recordings`);
    const gatewayProcess = new ManagedProcess({
      name: `gateway ${name}`,
      command: process.execPath,
      args: [BINARIES.gateway, 'start', name],
      env: childEnv({
        INFISICAL_API_URL: this.apiUrl,
        INFISICAL_RELAY_NAME: relayName,
        ...(options.auth?.env ?? universalAuthEnv(identity)),
        INFISICAL_PAM_SESSION_RECORDING_PATH: recordingDir,
        ...this.extraEnv,
        ...options.env,
      }),
      logFile: path.join(this.workDir, `gateway-${name}.log`),
    });
    // Only the identity's fields: `previous` is a whole handle whose old process must not win.
    const handle: GatewayHandle = {
      name,
      relayName,
      process: gatewayProcess,
      recordingDir,
      identityId: identity.identityId,
      clientId: identity.clientId,
      clientSecret: identity.clientSecret,
    };
    this.gateways.set(name, handle);
    await gatewayProcess.waitFor(/Gateway started successfully/, STARTUP_TIMEOUT_MS);
    return handle;
  }

  /**
   * Stops the control plane (SIGTERM, by PID) and, once `whileDown` resolved, starts it again on
   * the same port and data directory: what it knew (its database) must carry over.
   */
  async restartControlPlane(whileDown: () => Promise<void> = async () => {}): Promise<void> {
    const { options } = this.controlPlane;
    await this.controlPlane.stop();
    await whileDown();
    this.progress('restarting the control plane');
    // The same command, port and data directory; its log file is appended to.
    this.controlPlane = new ManagedProcess(options);
    await waitForHttp(
      this.apiUrl.replace(/\/api$/, '/healthz'),
      this.controlPlane,
      STARTUP_TIMEOUT_MS,
    );
  }

  /** Polls GET /api/v2/gateways until the named gateway reports healthy. */
  async waitForHealthyGateway(name: string, timeoutMs = 60_000): Promise<GatewaySummary> {
    const deadline = Date.now() + timeoutMs;
    let last: GatewaySummary | undefined;
    while (Date.now() < deadline) {
      last = (await this.api.call(routes.listGateways)).find((gateway) => gateway.name === name);
      if (last?.isHealthy) return last;
      await sleep(250);
    }
    throw new Error(`gateway ${name} not healthy after ${timeoutMs} ms: ${JSON.stringify(last)}`);
  }

  /**
   * Once the named gateway is healthy, the admin's test-connection through it to
   * 127.0.0.1:`targetPort`: whether the target was reached.
   */
  async testConnection(gatewayName: string, targetPort: number): Promise<boolean> {
    const gatewayId = (await this.waitForHealthyGateway(gatewayName)).id;
    const result = await this.api.call(routes.testGatewayConnection, {
      params: { id: gatewayId },
      body: { targetHost: '127.0.0.1', targetPort },
    });
    return result.reachable;
  }

  /** A client of this stack's control plane that calls as the holder of `token`. */
  clientWith(token: string): PlatformClient {
    return new PlatformClient({
      apiUrl: this.apiUrl,
      token: () => token,
      userAgent: STACK_USER_AGENT,
    });
  }

  /** Every process the stack started, for status screens and cleanup. */
  processes(): ManagedProcess[] {
    return [
      this.controlPlane,
      ...[...this.gateways.values()].map((g) => g.process),
      ...[...this.relays.values()].map((r) => r.process),
    ];
  }

  /** Stops gateways, relays and the control plane (by PID) and removes the scratch dir it made. */
  async stop(): Promise<void> {
    await Promise.all([...this.gateways.values()].map((g) => g.process.stop()));
    await Promise.all([...this.relays.values()].map((r) => r.process.stop()));
    await this.controlPlane.stop();
    if (this.ownsWorkDir && !process.env.BURROW_KEEP_STACK_DIR)
      fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

function universalAuthEnv(identity: {
  clientId: string;
  clientSecret: string;
}): Record<string, string> {
  return {
    INFISICAL_AUTH_METHOD: 'universal-auth',
    INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: identity.clientId,
    INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: identity.clientSecret,
  };
}

/** A clean environment: nothing INFISICAL_* from the parent leaks into a child's configuration. */
function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'])
    if (process.env[key]) env[key] = process.env[key];
  return { ...env, NODE_ENV: 'production', ...vars };
}

async function waitForHttp(
  url: string,
  owner: ManagedProcess,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (!owner.running)
      throw new Error(
        `${owner.name} exited during start-up; see ${owner.logFile}:\n${owner.tail()}`,
      );
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(
    `${url} did not answer within ${timeoutMs} ms; see ${owner.logFile}:\n${owner.tail()}`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
