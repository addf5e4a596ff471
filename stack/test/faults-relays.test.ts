/**
 * Fault tests, from the real binaries on loopback (issue 8): a control plane, two relays and one
 * gateway that holds a tunnel to both (INFISICAL_RELAY_NAME=relay-a,relay-b), plus TCP echo
 * targets. relay-b sits behind a fault-injecting proxy of our own on the gateway's side (it
 * advertises 127.0.0.2, where the proxy listens, and listens for SSH on 127.0.0.1).
 *
 *   1. kill -9 relay-a during a 256 MiB transfer (not 1 GiB: CI time; the failure mode is the
 *      same) -> the transfer fails with a clear error, new streams succeed through relay-b within
 *      5 s, the gateway rejoins relay-a once it is back
 *   2. black-hole gateway <-> relay-b -> both sides notice within 15 s; recover when it returns
 *   3. slowloris on relay-a's :8443 and :2222 -> other callers unaffected, memory bounded
 *   4. SIGTERM relay-b with an open stream -> it finishes; no new stream fails meanwhile
 *   5. 1,000 streams, 100 at a time, while relay-a is killed and restarted -> none hangs (every
 *      stream ends, ok or with an error); those moving bytes through relay-a when it died fail
 *      with a clear error; >= 95 % of those started after the kill succeed (issue 13). It used to
 *      fail under load because the gateway dropped the surviving relay-b: its SSH keepalive
 *      counted only ping replies, which queue behind the channel data relay-b forwards
 *      (relay-connection.ts now counts any byte, as OpenSSH does). And because 100 dials at once
 *      on a loaded 2-core machine started 100 TLS handshakes at once on each hop: they shared the
 *      CPU and all missed the caller's 5 s relay stage together (412/500 after the kill at load
 *      ~15). The dialer now runs CALLER_DIALS_AT_ONCE dials at once and the relay
 *      RELAY_TLS_HANDSHAKES_AT_ONCE handshakes (the rest wait their turn), and the relay stage
 *      has the time the relay may take (tunnel-protocol limits.ts).
 *
 * The tests run in this order on one stack (each leaves both relays up for the next).
 */
import crypto from 'node:crypto';
import net from 'node:net';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  dialGateway,
  DialError,
  GATEWAY_DIAL_DEADLINE_MS,
  RELAY_DRAIN_TIMEOUT_MS,
  RelayFailureMemory,
  type DialGatewayOptions,
} from '@burrow/tunnel-protocol';
import { routes as platformRoutes } from '@burrow/platform-api';
import {
  gatewayRoutes,
  LocalStack,
  sleep,
  startEchoTarget,
  startFaultProxy,
  type FaultProxy,
  type GatewayHandle,
} from '../src/index.ts';
import { freePort } from '@burrow/test-support';

let stack: LocalStack;
let target: Awaited<ReturnType<typeof startEchoTarget>>;
let proxy: FaultProxy;
let gateway: GatewayHandle;
let gatewayId: string;
let gatewayMetricsPort: number;
const relayMetricsPort: Record<string, number> = {};
const relayBSsh = { port: 0 };
const relayBTls = { port: 0 };

/** Starts (or restarts) relay-a: plain loopback, metrics on. */
async function startRelayA(): Promise<void> {
  relayMetricsPort['relay-a'] ??= await freePort();
  await stack.startRelay('relay-a', {
    env: { BURROW_RELAY_METRICS_LISTEN_ADDRESS: `127.0.0.1:${relayMetricsPort['relay-a']}` },
  });
}

/** Starts (or restarts) relay-b: advertised as 127.0.0.2, SSH reached through the proxy. */
async function startRelayB(): Promise<void> {
  relayMetricsPort['relay-b'] ??= await freePort();
  await stack.startRelay('relay-b', {
    env: {
      INFISICAL_RELAY_HOST: '127.0.0.2',
      BURROW_RELAY_SSH_LISTEN_ADDRESS: `127.0.0.1:${relayBSsh.port}`,
      BURROW_RELAY_TLS_LISTEN_ADDRESS: `127.0.0.2:${relayBTls.port}`,
      BURROW_RELAY_METRICS_LISTEN_ADDRESS: `127.0.0.1:${relayMetricsPort['relay-b']}`,
    },
  });
}

beforeAll(async () => {
  target = await startEchoTarget();
  stack = await LocalStack.start();
  relayBSsh.port = await freePort();
  relayBTls.port = await freePort();
  proxy = await startFaultProxy({
    listen: { host: '127.0.0.2', port: relayBSsh.port },
    target: { host: '127.0.0.1', port: relayBSsh.port },
  });
  await startRelayA();
  await startRelayB();
  gatewayMetricsPort = await freePort();
  gateway = await stack.startGateway('gateway-ha', 'relay-a,relay-b', {
    env: { BURROW_GATEWAY_METRICS_LISTEN_ADDRESS: `127.0.0.1:${gatewayMetricsPort}` },
  });
  gatewayId = (await stack.waitForHealthyGateway('gateway-ha')).id;
  await waitForMetric(gatewayMetricsPort, /burrow_gateway_relay_tunnel_up\{relay="relay-b"\} 1/);
  await waitForMetric(gatewayMetricsPort, /burrow_gateway_relay_tunnel_up\{relay="relay-a"\} 1/);
}, 600_000); // a hang detector: five processes to start on a loaded machine

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  await target?.close();
});

async function scrape(port: number, path = '/metrics'): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(2_000),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

async function waitForMetric(port: number, pattern: RegExp, timeoutMs = 45_000): Promise<number> {
  const started = Date.now();
  while (!pattern.test((await scrape(port)).body)) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${pattern} not seen on :${port} within ${timeoutMs} ms`);
    }
    await sleep(100);
  }
  return Date.now() - started;
}

function metricValue(body: string, pattern: RegExp): number {
  const match = pattern.exec(body);
  return match ? Number(match[1]) : Number.NaN;
}

/** Dial options for the route through `relayName` (from connection-details' relays[]). */
async function routeThrough(relayName: 'relay-a' | 'relay-b'): Promise<DialGatewayOptions> {
  const routes = await gatewayRoutes(stack.api, gatewayId, {
    host: '127.0.0.1',
    port: target.port,
  });
  const host = relayName === 'relay-a' ? '127.0.0.1' : '127.0.0.2';
  const route = routes.find((r) => r.relayHost === host);
  if (!route)
    throw new Error(`no route through ${relayName}: ${routes.map((r) => r.relayHost).join(', ')}`);
  return route;
}

/** What transfer() writes, over and over (random, so nothing on the way can compress it). */
const PAYLOAD = crypto.randomBytes(1024 * 1024);

/** Writes `total` bytes through an echo stream and reads them back; resolves with the outcome. */
function transfer(
  socket: tls.TLSSocket,
  total: number,
  onProgress?: (received: number) => void,
): Promise<{ received: number; error?: string }> {
  return new Promise((resolve) => {
    let received = 0;
    let settled = false;
    const settle = (error?: string): void => {
      if (settled) return;
      settled = true;
      resolve(error === undefined ? { received } : { received, error });
    };
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      onProgress?.(received);
      if (received >= total) {
        socket.end();
        settle();
      }
    });
    socket.on('error', (error) => settle(error.message));
    socket.on('close', () =>
      settle(received < total ? `closed after ${received} bytes` : undefined),
    );
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !socket.destroyed) {
        const chunk = PAYLOAD.subarray(0, Math.min(PAYLOAD.length, total - sent));
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    pump();
  });
}

/** Asks the control plane to reach the target; resolves true when it did. */
async function reachable(): Promise<boolean> {
  try {
    return (
      await stack.api.call(platformRoutes.testGatewayConnection, {
        params: { id: gatewayId },
        body: { targetHost: '127.0.0.1', targetPort: target.port },
      })
    ).reachable;
  } catch {
    return false;
  }
}

describe('faults', () => {
  it('kill -9 a relay mid-transfer: the transfer fails clearly, the first new stream uses the other relay, the gateway rejoins', async () => {
    const TOTAL = 256 * 1024 * 1024;
    const socket = await dialGateway(await routeThrough('relay-a'));
    const relayA = stack.relays.get('relay-a')!;
    let killedAt = 0;
    const outcome = await transfer(socket, TOTAL, (received) => {
      if (killedAt === 0 && received >= 32 * 1024 * 1024) {
        killedAt = Date.now();
        process.kill(relayA.process.pid!, 'SIGKILL');
      }
    });
    expect(killedAt).toBeGreaterThan(0);
    expect(outcome.received).toBeLessThan(TOTAL);
    expect(outcome.error).toMatch(/closed after \d+ bytes|ECONNRESET|socket hang up/);

    // New streams: the very first one after the kill goes through relay-b (a killed relay's port
    // refuses at once, and the control plane then tries the next relay).
    const firstAfterKill = Date.now();
    expect(await reachable()).toBe(true);
    const firstOkAfterMs = Date.now() - killedAt;
    const firstStreamMs = Date.now() - firstAfterKill;

    await relayA.process.stop();
    await startRelayA();
    const rejoinMs = await waitForMetric(
      gatewayMetricsPort,
      /burrow_gateway_relay_tunnel_up\{relay="relay-a"\} 1/,
    );
    await waitForMetric(relayMetricsPort['relay-a']!, /burrow_relay_gateways_connected 1/);
    const gatewayMetrics = (await scrape(gatewayMetricsPort)).body;
    expect(
      metricValue(gatewayMetrics, /burrow_gateway_reconnects_total\{relay="relay-a"\} (\d+)/),
    ).toBeGreaterThanOrEqual(1);
    process.stdout.write(
      `kill -9: first new stream ok ${firstOkAfterMs} ms after the kill (it took ${firstStreamMs} ms); gateway rejoined ${rejoinMs} ms after restart\n`,
    );
  }, 90_000);

  it('black-holed gateway <-> relay path: both sides notice within 15 s and recover', async () => {
    const relayB = stack.relays.get('relay-b')!;
    const relayLine = relayB.process.lineCount;
    const gatewayLine = gateway.process.lineCount;
    const started = Date.now();
    proxy.blackHole();
    const [relaySide, gatewaySide] = await Promise.all([
      relayB.process.waitFor(/Gateway disconnected/, 20_000, relayLine).then(() => Date.now()),
      gateway.process
        .waitFor(/"relay":"relay-b".*relay connection lost/, 20_000, gatewayLine)
        .then(() => Date.now()),
    ]);
    expect(relaySide - started).toBeLessThanOrEqual(15_000);
    expect(gatewaySide - started).toBeLessThanOrEqual(15_000);
    // Callers are not affected meanwhile: relay-a serves.
    expect(await reachable()).toBe(true);
    proxy.restore();
    await waitForMetric(gatewayMetricsPort, /burrow_gateway_relay_tunnel_up\{relay="relay-b"\} 1/);
    await waitForMetric(relayMetricsPort['relay-b']!, /burrow_relay_gateways_connected 1/);
    process.stdout.write(
      `black hole: relay noticed in ${relaySide - started} ms, gateway in ${gatewaySide - started} ms\n`,
    );
  }, 90_000);

  it('slowloris on :8443 and :2222: other callers unaffected, relay memory bounded', async () => {
    const relayA = stack.relays.get('relay-a')!;
    const rss = async (): Promise<number> =>
      metricValue(
        (await scrape(relayMetricsPort['relay-a']!)).body,
        /burrow_relay_process_resident_memory_bytes (\d+)/,
      );
    const before = await rss();
    const relayLine = relayA.process.lineCount;
    const sockets: net.Socket[] = [];
    const open = (port: number, firstBytes: Buffer): void => {
      const socket = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.3' });
      socket.on('error', () => undefined);
      socket.on('connect', () => socket.write(firstBytes));
      sockets.push(socket);
    };
    // A TLS record header announcing 16 KiB that never comes; an SSH banner that never ends.
    const tlsStart = Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01]);
    const sshStart = Buffer.from('SSH-2.0-slow');
    for (let i = 0; i < 300; i++) {
      open(relayA.tlsPort, tlsStart);
      open(relayA.sshPort, sshStart);
    }
    await sleep(1_000);
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      expect(await reachable()).toBe(true);
      latencies.push(Date.now() - t0);
    }
    const direct = await dialGateway(await routeThrough('relay-a'));
    expect((await transfer(direct, 1024 * 1024)).error).toBeUndefined();
    const during = await rss();
    const body = (await scrape(relayMetricsPort['relay-a']!)).body;
    expect(body).toMatch(
      /burrow_relay_connections_refused_total\{listener="tls",reason="too_many_pending"\} \d+/,
    );
    expect(body).toMatch(
      /burrow_relay_connections_refused_total\{listener="ssh",reason="too_many_pending"\} \d+/,
    );
    // Unaffected, by the mechanism rather than a stopwatch: no caller from 127.0.0.1 (the control
    // plane and this test, sources that authenticated before) waited past the queue timeout for a
    // handshake slot of relay-a, while the flood from 127.0.0.3 filled its own.
    expect(
      relayA.process
        .linesSince(relayLine)
        .filter((line) => /waited too long for a TLS handshake slot/.test(line))
        .filter((line) => /"remoteAddress":"(::ffff:)?127\.0\.0\.1"/.test(line)),
    ).toEqual([]);
    for (const socket of sockets) socket.destroy();
    expect(during - before).toBeLessThan(64 * 1024 * 1024);
    process.stdout.write(
      `slowloris: 600 connections; relay RSS ${Math.round(before / 2 ** 20)} -> ${Math.round(during / 2 ** 20)} MiB; test-connection max ${Math.max(...latencies)} ms\n`,
    );
  }, 60_000);

  it('SIGTERM a relay with an open stream: it finishes, no new stream fails', async () => {
    const relayB = stack.relays.get('relay-b')!;
    const socket = await dialGateway(await routeThrough('relay-b'));
    const echo = (text: string): Promise<string> =>
      new Promise((resolve, reject) => {
        socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
        socket.once('close', () => reject(new Error('stream closed')));
        socket.write(text);
      });
    expect(await echo('before')).toBe('before');
    const gatewayLine = gateway.process.lineCount;
    const line = relayB.process.lineCount;
    // The relay drains for up to RELAY_DRAIN_TIMEOUT_MS, then exits on its own: the test waits for
    // that exit (an event), not for a guess (a loaded machine took longer than 5 s to get here).
    const exited = relayB.process.stop('SIGTERM', { graceMs: RELAY_DRAIN_TIMEOUT_MS + 15_000 });
    await relayB.process.waitFor(/Draining/, 10_000, line);
    // New streams during the drain: every one succeeds (through relay-a).
    const results = await Promise.all(Array.from({ length: 10 }, () => reachable()));
    expect(results.every(Boolean)).toBe(true);
    expect(await echo('during the drain')).toBe('during the drain');
    await gateway.process.waitFor(/"relay":"relay-b".*relay is draining/, 10_000, gatewayLine);
    socket.end();
    expect(await exited).toBe(0);
    await relayB.process.waitFor(/Drained: every stream finished/, 1_000, line);
    await startRelayB();
    await waitForMetric(gatewayMetricsPort, /burrow_gateway_relay_tunnel_up\{relay="relay-b"\} 1/);
  }, 240_000);

  it('1,000 streams, 100 at a time, while a relay is killed and restarted: none hangs; those in flight on it fail clearly; >= 95 % of those started after the kill succeed', async () => {
    // Callers as the control plane and the access CLI are: a relay that failed goes last for
    // 30 s (RelayFailureMemory), one deadline for the whole dial however many relays it tries,
    // TLS sessions resumed, the dialer's own dial slots. STREAMS_IN_FLIGHT at once, as a busy
    // caller's pool would.
    const routes = [await routeThrough('relay-a'), await routeThrough('relay-b')].map((route) => ({
      ...route,
      sessions: {},
    }));
    const relayAHost = routes[0]!.relayHost;
    const memory = new RelayFailureMemory();
    // Every stage of a stream's dial has a deadline in the product (GATEWAY_DIAL_DEADLINE_MS);
    // the 64 KiB echo then moves or fails (a relay that dies resets it). So every stream ends,
    // and "none hangs" is asserted without a time: the test waits for every stream to end. Only
    // to name what hung, should something hang, the wait gives up before jest's timeout (far
    // beyond any deadline of the product: 1,000 streams took 40-130 s at load 14-30).
    const REPORT_HUNG_AFTER_MS = 240_000;
    const STREAMS = 1_000;
    const STREAMS_IN_FLIGHT = 100;
    const KILL_AT = 500;
    const relayA = stack.relays.get('relay-a')!;
    /** `error`: the message, or for a hung stream the stage it hung in. */
    type Outcome = { kind: 'ok' | 'error' | 'hung'; error?: string };
    const errors = new Map<string, number>();
    const noteError = (message: string): void => {
      const key = message.replace(/\d+/g, 'N').slice(0, 80);
      errors.set(key, (errors.get(key) ?? 0) + 1);
    };
    // Where each stream is, so that a hung one says which stage never ended.
    const stages: string[] = [];
    let killed = false;
    /** Streams that were moving bytes through relay-a when it was killed. */
    const inFlightOnKilled = new Set<number>();
    const one = async (index: number): Promise<Outcome> => {
      const preferred = [routes[index % 2]!, routes[(index + 1) % 2]!];
      const deadlineAt = Date.now() + GATEWAY_DIAL_DEADLINE_MS;
      let socket: tls.TLSSocket | undefined;
      let through = '';
      let lastError: unknown;
      for (const route of memory.order(preferred, (r) => r.relayHost)) {
        stages[index] = `dial ${route.relayHost}`;
        try {
          socket = await dialGateway({ ...route, deadlineAt });
          memory.markWorked(route.relayHost);
          through = route.relayHost;
          break;
        } catch (error) {
          lastError = error;
          // No dial slot before the deadline: not the relay's fault, and no time left to try.
          if (error instanceof DialError && error.stage === 'dial-slot') break;
          memory.markFailed(route.relayHost);
        }
      }
      if (socket === undefined) {
        const error = `dial: ${(lastError as Error).message}`;
        noteError(error);
        return { kind: 'error', error };
      }
      stages[index] = `transfer ${through}`;
      const result = await transfer(socket, 64 * 1024);
      if (result.error === undefined) return { kind: 'ok' };
      const error = `transfer: ${result.error}`;
      noteError(error);
      return { kind: 'error', error };
    };
    const started = Date.now();
    const outcomes: Promise<Outcome>[] = [];
    const ended: Outcome[] = [];
    let restarted: Promise<void> = Promise.resolve();
    const run = async (): Promise<Outcome[]> => {
      const slots = new Set<Promise<Outcome>>();
      for (let i = 0; i < STREAMS; i++) {
        while (slots.size >= STREAMS_IN_FLIGHT) await Promise.race(slots);
        if (i === KILL_AT) {
          stages.forEach((stage, index) => {
            if (stage === `transfer ${relayAHost}`) inFlightOnKilled.add(index);
          });
          killed = true;
          restarted = relayA.process.stop('SIGKILL').then(() => startRelayA());
        }
        const outcome = one(i);
        outcomes.push(outcome);
        slots.add(outcome);
        void outcome.then((result) => {
          ended[i] = result;
          stages[i] = 'done';
          slots.delete(outcome);
        });
      }
      return Promise.all(outcomes);
    };
    let giveUp: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      run(),
      new Promise<Outcome[]>((resolve) => {
        // What has not ended by now is hung, in the stage it is in (or never started).
        giveUp = setTimeout(
          () =>
            resolve(
              Array.from(
                { length: STREAMS },
                (_, index): Outcome =>
                  ended[index] ?? { kind: 'hung', error: stages[index] ?? 'not started' },
              ),
            ),
          REPORT_HUNG_AFTER_MS,
        );
      }),
    ]).finally(() => clearTimeout(giveUp));
    expect(killed).toBe(true);
    const count = (kind: string, from = 0): number =>
      settled.slice(from).filter((o) => o.kind === kind).length;
    const afterKill = settled.length - KILL_AT;
    const okAfterKill = count('ok', KILL_AT);
    process.stdout.write(
      `1,000 streams (${STREAMS_IN_FLIGHT} at a time) during a restart: ${count('ok')} ok, ${count('error')} errors, ${count('hung')} hung, ${Date.now() - started} ms; started after the kill: ${okAfterKill}/${afterKill} ok; in flight on the killed relay: ${inFlightOnKilled.size}\n`,
    );
    process.stdout.write(`errors: ${JSON.stringify([...errors])}\n`);
    const hungStages = new Map<string, number>();
    for (const outcome of settled) {
      if (outcome.kind === 'hung')
        hungStages.set(outcome.error!, (hungStages.get(outcome.error!) ?? 0) + 1);
    }
    if (hungStages.size > 0) process.stdout.write(`hung in: ${JSON.stringify([...hungStages])}\n`);
    // Why the relays closed callers, and whether the gateway lost a relay meanwhile.
    for (const name of ['relay-a', 'relay-b']) {
      const body = (await scrape(relayMetricsPort[name]!)).body;
      const lines = body
        .split('\n')
        .filter((line) => /^burrow_relay_(caller_refusals|connections_refused)_total\{/.test(line));
      process.stdout.write(`${name}: ${lines.join(', ') || 'no refusals'}\n`);
    }
    const reconnects = (await scrape(gatewayMetricsPort)).body
      .split('\n')
      .filter((line) => line.startsWith('burrow_gateway_reconnects_total{'));
    process.stdout.write(`gateway: ${reconnects.join(', ')}\n`);
    expect(count('hung')).toBe(0);
    // A stream cut by the kill ends with an error that says the connection went away (or had
    // finished just before), never a timeout or a silent short stream.
    for (const index of inFlightOnKilled) {
      const outcome = settled[index]!;
      if (outcome.kind === 'error')
        expect(outcome.error).toMatch(/closed after \d+ bytes|ECONNRESET|socket hang up|EPIPE/);
    }
    expect(okAfterKill / afterKill).toBeGreaterThanOrEqual(0.95);
    await restarted;
    await waitForMetric(gatewayMetricsPort, /burrow_gateway_relay_tunnel_up\{relay="relay-a"\} 1/);
  }, 300_000);
});
