/**
 * The relay's operations surface with real listeners and a stub control plane: /healthz, /readyz
 * and /metrics; the accept limiter on both ports; the per-gateway stream cap; the idle timeout;
 * the graceful drain (notice to gateways, no new callers, open streams finish); the renewal schedule.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { freePort, ManualClock } from '@burrow/test-support';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { RelaySshConnection } from '@burrow/ssh-transport';
import { connectToRelay } from '@burrow/ssh-transport';
import {
  CERTIFICATE_RENEWAL_INTERVAL_MS,
  DRAIN_NOTICE,
  GATEWAY_SSH_IDENT,
} from '@burrow/tunnel-protocol';
import type { RelayDependencies, RunningRelay } from '../src/relay.ts';
import { startRelay } from '../src/relay.ts';
import { STREAM_SETUP_STAGES } from '../src/relay-metrics.ts';
import type { StubControlPlane } from './stub-control-plane.ts';
import { startStubControlPlane } from './stub-control-plane.ts';
import { callRelay, captureLogger } from './test-support.ts';

const HOST = '127.0.0.1';
const RELAY_NAME = 'relay-ops';

interface Harness {
  controlPlane: StubControlPlane;
  relay: RunningRelay;
  sshPort: number;
  tlsPort: number;
  gateways: RelaySshConnection[];
}

let harness: Harness | undefined;

afterEach(async () => {
  for (const gateway of harness?.gateways ?? []) gateway.close();
  await harness?.relay.stop();
  await harness?.controlPlane.close();
  harness = undefined;
});

async function startHarness(deps: RelayDependencies = {}): Promise<Harness> {
  const controlPlane = await startStubControlPlane(HOST);
  const [sshPort, tlsPort] = await Promise.all([freePort(), freePort()]);
  const relay = await startRelay(
    {
      type: 'org',
      host: HOST,
      name: RELAY_NAME,
      apiUrl: controlPlane.apiUrl,
      auth: { kind: 'machine-identity', login: { method: 'token', token: 'identity-token' } },
      sshListen: { host: HOST, port: sshPort },
      tlsListen: { host: HOST, port: tlsPort },
      metricsListen: { host: HOST, port: 0 },
      logLevel: 'debug',
    },
    captureLogger().logger,
    deps,
  );
  harness = { controlPlane, relay, sshPort, tlsPort, gateways: [] };
  return harness;
}

/**
 * A gateway that echoes every channel; channels whose first bytes are the drain notice go to
 * `notices`, the first bytes of every channel to `firstBytes`. It identifies as a Burrow gateway
 * (asking for the drain notice) unless `ident` says otherwise.
 */
async function connectEchoGateway(
  h: Harness,
  gatewayId: string,
  notices: string[] = [],
  { ident = GATEWAY_SSH_IDENT, firstBytes = [] as string[] } = {},
) {
  const connection = await connectToRelay({
    host: HOST,
    port: h.sshPort,
    username: gatewayId,
    ...h.controlPlane.gatewayCredentials(gatewayId, RELAY_NAME),
    ident,
  });
  h.gateways.push(connection);
  connection.on('channel', (stream: Duplex) => {
    stream.once('data', (first: Buffer) => {
      firstBytes.push(first.toString('latin1'));
      if (first.toString().startsWith('burrow-drain')) {
        notices.push(first.toString());
        stream.end();
        return;
      }
      stream.write(first);
      stream.pipe(stream);
    });
  });
  await waitFor(() => h.relay.gateways.get(gatewayId) !== undefined);
  return connection;
}

/** Opens a caller stream and keeps it open; `roundTrip` writes and reads back an echo. */
async function openStream(h: Harness, gatewayId: string) {
  const certificate = await h.controlPlane.pki.caller(gatewayId);
  const socket = tls.connect({
    host: HOST,
    port: h.tlsPort,
    ca: h.controlPlane.pki.relayServerChain,
    cert: certificate.certificate,
    key: certificate.privateKey,
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const roundTrip = (text: string): Promise<string> =>
    new Promise((resolve, reject) => {
      socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      socket.once('close', () => reject(new Error('stream closed')));
      socket.write(text);
    });
  return { socket, closed, roundTrip };
}

/** One stream that sends "ping", half-closes and reads the echo to the end. */
async function pingThroughRelay(h: Harness, gatewayId: string) {
  return callRelay({
    port: h.tlsPort,
    relayServerChain: h.controlPlane.pki.relayServerChain,
    certificate: await h.controlPlane.pki.caller(gatewayId),
    send: Buffer.from('ping'),
    endAfterSend: true,
  });
}

/** Polls until `pattern` shows (60 s: far beyond a loaded machine's slowest run, short of jest's). */
async function waitForMetric(h: Harness, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!pattern.test((await scrape(h, '/metrics')).body)) {
    if (Date.now() > deadline) throw new Error(`metric ${pattern} not seen in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function scrape(h: Harness, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${h.relay.metricsAddress}${path}`);
  return { status: response.status, body: await response.text() };
}

describe('relay operations', () => {
  it('serves /healthz, /readyz and /metrics with tunnels, streams, bytes, setup time and expiry', async () => {
    const h = await startHarness();
    expect((await scrape(h, '/healthz')).status).toBe(200);
    expect(await scrape(h, '/readyz')).toEqual({ status: 200, body: 'ready\n' });
    const gatewayId = randomUUID();
    await connectEchoGateway(h, gatewayId);
    expect((await pingThroughRelay(h, gatewayId)).received.toString()).toBe('ping');
    await waitForMetric(h, /burrow_relay_streams_total\{result="ok"\} 1/);
    const { body } = await scrape(h, '/metrics');
    expect(body).toContain('burrow_relay_gateways_connected 1');
    expect(body).toMatch(/burrow_relay_streams_total\{result="ok"\} 1/);
    expect(body).toMatch(/burrow_relay_stream_bytes_total\{direction="from_caller"\} 4/);
    expect(body).toMatch(/burrow_relay_stream_setup_seconds_count 1/);
    expect(body).toMatch(/burrow_relay_certificate_expiry_seconds\{certificate="tls-server"\} \d+/);
    expect(body).toMatch(/burrow_relay_certificate_expiry_seconds\{certificate="ssh-host"\} \d+/);
    expect(body).toContain('burrow_relay_process_resident_memory_bytes');
  });

  it('times each setup stage of a stream once, and none of a refused caller', async () => {
    const h = await startHarness();
    const gatewayId = randomUUID();
    await connectEchoGateway(h, gatewayId);
    const stageCount = (body: string, stage: string): number =>
      Number(
        new RegExp(
          `burrow_relay_stream_setup_stage_seconds_count\\{stage="${stage}"\\} (\\d+)`,
        ).exec(body)?.[1] ?? 0,
      );
    // Refused: the gateway named by the certificate is not connected here.
    const refused = await callRelay({
      port: h.tlsPort,
      relayServerChain: h.controlPlane.pki.relayServerChain,
      certificate: await h.controlPlane.pki.caller(randomUUID()),
      send: Buffer.from('nobody'),
    });
    expect(refused.received.length).toBe(0);
    await waitForMetric(
      h,
      /burrow_relay_caller_refusals_total\{reason="gateway_not_connected"\} 1/,
    );
    let { body } = await scrape(h, '/metrics');
    for (const stage of STREAM_SETUP_STAGES)
      expect([stage, stageCount(body, stage)]).toEqual([stage, 0]);
    expect(body).not.toMatch(/burrow_relay_caller_bytes_at_channel_open_total\{/);

    expect((await pingThroughRelay(h, gatewayId)).received.toString()).toBe('ping');
    await waitForMetric(h, /burrow_relay_streams_total\{result="ok"\} 1/);
    ({ body } = await scrape(h, '/metrics'));
    for (const stage of STREAM_SETUP_STAGES)
      expect([stage, stageCount(body, stage)]).toEqual([stage, 1]);
    // The caller wrote right after its handshake: its bytes were either waiting or not, once.
    const buffered = [
      ...body.matchAll(/burrow_relay_caller_bytes_at_channel_open_total\{buffered="\w+"\} (\d+)/g),
    ].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(buffered).toBe(1);
  });

  it('refuses a source past its accept burst on :8443 and :2222, and counts it', async () => {
    const h = await startHarness({ acceptLimits: { burst: 3, ratePerSecond: 0.001 } });
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => acceptOutcome(h.tlsPort, 'tls')));
    expect(outcomes.filter((o) => o === 'reset').length).toBeGreaterThanOrEqual(2);
    expect(await acceptOutcome(h.sshPort, 'ssh')).toBe('reset');
    const { body } = await scrape(h, '/metrics');
    expect(body).toMatch(
      /burrow_relay_connections_refused_total\{listener="tls",reason="rate_limited"\} [2-9]/,
    );
    expect(body).toMatch(
      /burrow_relay_connections_refused_total\{listener="ssh",reason="rate_limited"\} 1/,
    );
  });

  it('caps open streams per gateway', async () => {
    const h = await startHarness({ maxStreamsPerGateway: 1 });
    const gatewayId = randomUUID();
    await connectEchoGateway(h, gatewayId);
    const first = await openStream(h, gatewayId);
    expect(await first.roundTrip('one')).toBe('one');
    const second = await openStream(h, gatewayId);
    await second.closed; // refused: the gateway already has its one stream
    expect(await first.roundTrip('still open')).toBe('still open');
    first.socket.end();
    await first.closed;
    await waitForMetric(h, /burrow_relay_streams_open 0/);
    const { body } = await scrape(h, '/metrics');
    expect(body).toMatch(/burrow_relay_caller_refusals_total\{reason="stream_limit"\} 1/);
  });

  it('closes idle streams', async () => {
    // Its own test: a stream idle for 500 ms could be closed before a second one is refused.
    const h = await startHarness({ idleTimeoutMs: 500 });
    const gatewayId = randomUUID();
    await connectEchoGateway(h, gatewayId);
    const stream = await openStream(h, gatewayId);
    await stream.closed; // idle for 500 ms
    await waitForMetric(h, /burrow_relay_streams_open 0/);
    const { body } = await scrape(h, '/metrics');
    expect(body).toMatch(/burrow_relay_streams_total\{result="idle_timeout"\} 1/);
  });

  it('drains: notice to gateways, not ready, no new callers, open streams finish', async () => {
    const h = await startHarness();
    const gatewayId = randomUUID();
    const notices: string[] = [];
    await connectEchoGateway(h, gatewayId, notices);
    // A gateway that did not ask for the notice (identifies as the reference's, "SSH-2.0-Go")
    // must get no channel: it would take the notice for a caller and log a TLS handshake error.
    const otherId = randomUUID();
    const otherNotices: string[] = [];
    const otherChannels: string[] = [];
    await connectEchoGateway(h, otherId, otherNotices, { ident: 'Go', firstBytes: otherChannels });
    expect(h.relay.gateways.get(otherId)?.identSoftware).toBe('Go');
    const callerOfOther = await openStream(h, otherId);
    expect(await callerOfOther.roundTrip('caller')).toBe('caller');
    callerOfOther.socket.end();
    await callerOfOther.closed;
    const open = await openStream(h, gatewayId);
    expect(await open.roundTrip('before')).toBe('before');
    const drained = h.relay.drain(10_000);
    await waitFor(() => notices.length === 1);
    expect(notices[0]).toBe(DRAIN_NOTICE);
    expect(await scrape(h, '/readyz')).toEqual({ status: 503, body: 'not ready: draining\n' });
    expect(await acceptOutcome(h.tlsPort, 'tls')).toBe('refused');
    expect(await acceptOutcome(h.sshPort, 'ssh')).toBe('refused');
    // The stream opened before the drain still works, then ends normally.
    expect(await open.roundTrip('during')).toBe('during');
    open.socket.end();
    await open.closed;
    expect(await drained).toBe(0);
    // Every notice was sent before the drain finished: the other gateway saw only its caller.
    expect(otherChannels).toEqual(['caller']);
    expect(otherNotices).toEqual([]);
    harness = { ...h, relay: { ...h.relay, stop: async () => undefined } };
  });

  it('renews certificates without breaking an open stream', async () => {
    const h = await startHarness();
    const gatewayId = randomUUID();
    await connectEchoGateway(h, gatewayId);
    const open = await openStream(h, gatewayId);
    expect(await open.roundTrip('before renewal')).toBe('before renewal');
    const registrations = h.controlPlane.requests.length;
    await h.relay.renewCertificates();
    expect(h.controlPlane.requests.length).toBeGreaterThan(registrations);
    expect(await open.roundTrip('after renewal')).toBe('after renewal');
    const fresh = await openStream(h, gatewayId);
    expect(await fresh.roundTrip('new stream')).toBe('new stream');
    expect(h.relay.gateways.get(gatewayId)).toBeDefined();
    open.socket.end();
    fresh.socket.end();
  });

  it('re-registers every 6 h, not before (manual clock)', async () => {
    const clock = new ManualClock();
    const h = await startHarness({ clock });
    const registrations = (): number =>
      h.controlPlane.requests.filter((r) => r.path.endsWith('/register-org-relay')).length;
    expect(registrations()).toBe(1);
    await clock.advance(CERTIFICATE_RENEWAL_INTERVAL_MS - 1);
    expect(registrations()).toBe(1);
    await clock.advance(1);
    await waitFor(() => registrations() === 2);
    expect(CERTIFICATE_RENEWAL_INTERVAL_MS).toBe(6 * 60 * 60 * 1000);
  });

  it('cuts streams still open at the drain deadline', async () => {
    const h = await startHarness();
    const gatewayId = randomUUID();
    await connectEchoGateway(h, gatewayId);
    const open = await openStream(h, gatewayId);
    // Under TLS 1.3 the caller's handshake ends before the relay has opened the channel; a round
    // trip makes sure the stream exists at the relay before the drain starts.
    expect(await open.roundTrip('open')).toBe('open');
    expect(await h.relay.drain(300)).toBe(1);
    await open.closed;
    harness = { ...h, relay: { ...h.relay, stop: async () => undefined } };
  });
});

/**
 * What the relay does with a new connection, told by events, not by how long it stays open (a
 * loaded machine can take longer than any guess to answer): 'open' once the relay has sent a byte
 * (its SSH banner; on :8443 its answer to our ClientHello), 'reset' if it closed the connection
 * before that, 'refused' if nothing listens.
 */
function acceptOutcome(
  port: number,
  listener: 'tls' | 'ssh',
): Promise<'open' | 'reset' | 'refused'> {
  return new Promise((resolve) => {
    const socket =
      listener === 'tls'
        ? tls.connect({ port, host: HOST, rejectUnauthorized: false })
        : net.connect(port, HOST);
    const settle = (outcome: 'open' | 'reset' | 'refused'): void => {
      socket.destroy();
      resolve(outcome);
    };
    if (listener === 'tls') socket.once('secureConnect', () => settle('open'));
    else socket.once('data', () => settle('open'));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') settle('refused');
      else settle(socket.bytesRead > 0 ? 'open' : 'reset');
    });
    socket.on('close', () => settle(socket.bytesRead > 0 ? 'open' : 'reset'));
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
