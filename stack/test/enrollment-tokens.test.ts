/**
 * Enrolled relay and gateway from the real binaries (issue 21; reference §3.2, §5.1): an admin
 * creates both with the token auth method and mints one-time enrollment tokens; burrow-relay and
 * burrow-gateway start with `--enroll-method token` (as INFISICAL_*_ENROLL_METHOD and
 * INFISICAL_TOKEN), enroll, keep the access token in their state file (0600), and a test
 * connection goes through them. The spent enrollment token is refused to anyone else, and the
 * gateway started again with it reuses its stored access token. Both tell systemd READY=1 (a
 * NOTIFY_SOCKET of the test's): the relay once it listens, the gateway once its relay connection
 * is up. Every process stopped by its PID.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PlatformClient, PlatformError, routes } from '@burrow/platform-api';
import { NotifySocket } from '@burrow/test-support';
import { LocalStack, startEchoTarget, type GatewayHandle } from '../src/index.ts';

const RELAY = 'relay-enrolled';
const GATEWAY = 'gw-enrolled';

let stack: LocalStack;
let target: Awaited<ReturnType<typeof startEchoTarget>>;
let stateDir: string;
let gateway: GatewayHandle;
let gatewayEnrollmentToken: string;
let relayEnrollmentToken: string;
let notify: NotifySocket;

/** The environment an enrolled relay or gateway starts with (no machine identity at all). */
function enrolledEnv(kind: 'RELAY' | 'GATEWAY', token: string) {
  return {
    identityId: '',
    env: {
      [`INFISICAL_${kind}_ENROLL_METHOD`]: 'token',
      INFISICAL_TOKEN: token,
      BURROW_ENROLLMENT_STATE_DIR: stateDir,
      NOTIFY_SOCKET: notify.path,
    },
  };
}

beforeAll(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-enrolled-state-'));
  notify = await NotifySocket.open();
  [stack, target] = await Promise.all([LocalStack.start(), startEchoTarget()]);
  const authMethod = { method: 'token' as const };
  // Placeholder ports: the relay announces its real ones when it connects.
  const relay = await stack.api.call(routes.createEnrolledRelay, {
    body: { name: RELAY, host: '127.0.0.1', sshPort: 1, tlsPort: 2, authMethod },
  });
  relayEnrollmentToken = (
    await stack.api.call(routes.generateRelayEnrollmentToken, { params: { relayId: relay.id } })
  ).token;
  const created = await stack.api.call(routes.createEnrolledGateway, {
    body: { name: GATEWAY, authMethod },
  });
  gatewayEnrollmentToken = (
    await stack.api.call(routes.generateGatewayEnrollmentToken, {
      params: { gatewayId: created.id },
    })
  ).token;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await target?.close();
  await notify?.close();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
});

function stateOf(name: string): string {
  const file = path.join(stateDir, `${name}.conf`);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  return fs.readFileSync(file, 'utf8');
}

describe('an enrolled relay and gateway', () => {
  it('enroll with their one-time tokens and carry a test connection', async () => {
    const relay = await stack.startRelay(RELAY, {
      auth: enrolledEnv('RELAY', relayEnrollmentToken),
    });
    await relay.process.waitFor(/Enrolled with the enrollment token/, 5_000);
    expect(await notify.nextDatagram()).toMatch(/READY=1/);
    await relay.process.waitFor(/Relay heartbeat accepted by the control plane/, 60_000);
    gateway = await stack.startGateway(GATEWAY, RELAY, {
      auth: enrolledEnv('GATEWAY', gatewayEnrollmentToken),
    });
    await gateway.process.waitFor(/enrolled with the enrollment token/, 5_000);
    expect(await notify.nextDatagram()).toMatch(/READY=1/);
    expect(await stack.testConnection(GATEWAY, target.port)).toBe(true);

    const relayState = stateOf(RELAY);
    expect(relayState).toMatch(/^INFISICAL_RELAY_ACCESS_TOKEN=eyJ/m);
    expect(relayState).toContain(`INFISICAL_RELAY_ENROLLMENT_TOKEN=${relayEnrollmentToken}`);
    const gatewayState = stateOf(GATEWAY);
    const accessToken = /^INFISICAL_GATEWAY_ACCESS_TOKEN=(\S+)$/m.exec(gatewayState)?.[1];
    expect(accessToken).toMatch(/^eyJ/);
    // Neither secret reaches a log.
    for (const log of [
      fs.readFileSync(path.join(stack.workDir, `gateway-${GATEWAY}.log`), 'utf8'),
      fs.readFileSync(path.join(stack.workDir, `relay-${RELAY}.log`), 'utf8'),
    ]) {
      expect(log).not.toContain(accessToken);
      expect(log).not.toContain(gatewayEnrollmentToken);
      expect(log).not.toContain(relayEnrollmentToken);
    }
  }, 180_000);

  it('refuse a second use of an enrollment token', async () => {
    const anyone = new PlatformClient({ apiUrl: stack.apiUrl });
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => (error instanceof PlatformError ? error.status : error),
      );
    expect(
      await refusal(anyone.call(routes.enrollGateway, { body: { token: gatewayEnrollmentToken } })),
    ).toBe(401);
    expect(
      await refusal(
        anyone.call(routes.relayLogin, { body: { method: 'token', token: relayEnrollmentToken } }),
      ),
    ).toBe(401);
  });

  it('reuse the stored access token when started again with the same enrollment token', async () => {
    await gateway.process.stop('SIGTERM');
    gateway = await stack.startGateway(GATEWAY, RELAY, {
      auth: enrolledEnv('GATEWAY', gatewayEnrollmentToken),
    });
    await gateway.process.waitFor(/using the stored gateway access token/, 5_000);
    expect(await stack.testConnection(GATEWAY, target.port)).toBe(true);
  }, 180_000);
});
