/**
 * Several relays per gateway: the control plane records each relay a gateway registers with,
 * mints caller routes for each, skips relays that failed a dial recently, and exposes its metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '@burrow/test-support';
import { ALPN } from '@burrow/tunnel-protocol';
import { instrumentControlPlane } from '../src/app/control-plane-metrics.ts';
import {
  auth,
  bootstrap,
  identityWithToken,
  RELAY_AUTH_SECRET,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

let cp: TestControlPlane;
let admin: Bootstrapped;
let gatewayId: string;
let metrics: ReturnType<typeof instrumentControlPlane>;
/** A port where nothing listens (relay "a" is down). */
let deadPorts: [number, number];

beforeAll(async () => {
  cp = await startTestControlPlane();
  metrics = instrumentControlPlane(cp.app, cp.context);
  admin = await bootstrap(cp);
  // Two relays may not claim the same host:port, so each gets its own closed ports.
  deadPorts = [await freePort(), await freePort()];
  for (const [name, tlsPort, sshPort] of [
    ['relay-a', deadPorts[0], 2522],
    ['relay-b', deadPorts[1], 2523],
  ] as const) {
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/relays/register-instance-relay',
      headers: { authorization: `Bearer ${RELAY_AUTH_SECRET}` },
      payload: { host: '127.0.0.1', name, sshPort, tlsPort },
    });
    expect(res.statusCode).toBe(200);
  }
  const gw = await identityWithToken(cp, admin, 'ha-gateway', 'gateway');
  for (const relayName of ['relay-a', 'relay-b']) {
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v2/gateways',
      headers: auth(gw.token),
      payload: { relayName, name: 'gw-ha' },
    });
    expect(res.statusCode).toBe(200);
    gatewayId = res.json<{ gatewayId: string }>().gatewayId;
  }
});
afterAll(async () => {
  await cp.close();
});

describe('a gateway on several relays', () => {
  it('is recorded on each relay; callers get a route per relay, newest registration first', async () => {
    const gateway = cp.context.gateways.get(gatewayId);
    expect(gateway).toBeDefined();
    const names = cp.context.tunnel.relaysOf(gateway!).map((relay) => relay.name);
    expect(names).toEqual(['relay-b', 'relay-a']);
    const res = await cp.app.inject({
      method: 'POST',
      url: `/api/v2/gateways/${gatewayId}/connection-details`,
      headers: auth(admin.token),
      payload: { targetHost: 'db', targetPort: 5432 },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ relayHost: string; relays: { relayHost: string }[] }>();
    expect(body.relays).toHaveLength(2);
    expect(body.relays[0]?.relayHost).toBe(body.relayHost);
  });

  it('lists every relay that holds it (what the console shows), its latest relay as relayName', async () => {
    const res = await cp.app.inject({
      method: 'GET',
      url: '/api/v2/gateways',
      headers: auth(admin.token),
    });
    expect(res.statusCode).toBe(200);
    const listed = res
      .json<{ id: string; relayName: string; relays: { name: string; host: string }[] }[]>()
      .find((gateway) => gateway.id === gatewayId);
    expect(listed?.relayName).toBe('relay-b');
    expect(listed?.relays.map((relay) => `${relay.name} ${relay.host}`)).toEqual([
      'relay-b 127.0.0.1',
      'relay-a 127.0.0.1',
    ]);
  });

  it('tries every relay, then reports each failure; a failed relay goes last for a while', async () => {
    const prepared = await cp.context.tunnel.prepare(gatewayId, { targetHost: 'x', targetPort: 1 });
    expect(prepared.routes.map((route) => route.relay.name)).toEqual(['relay-b', 'relay-a']);
    await expect(cp.context.tunnel.dial(prepared, ALPN.ping)).rejects.toThrow(
      /no relay reached the gateway \(relay relay-b: .*; relay relay-a: .*\)/,
    );
    // Both failed just now: order unchanged (both are "recent failures").
    const gateway = cp.context.gateways.get(gatewayId)!;
    expect(cp.context.tunnel.relaysOf(gateway).map((relay) => relay.name)).toEqual([
      'relay-b',
      'relay-a',
    ]);
    // Only relay-b failing recently: relay-a first.
    const inAMinute = Date.now() + 60_000;
    expect(cp.context.tunnel.relaysOf(gateway, inAMinute).map((r) => r.name)).toEqual([
      'relay-b',
      'relay-a',
    ]);
  });

  it('serves control plane metrics (requests, gateways, gateway-relay links)', async () => {
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/burrow_control_plane_gateway_relay_links 2/);
    expect(text).toMatch(/burrow_control_plane_relays 2/);
    expect(text).toMatch(/burrow_control_plane_gateways\{state="unhealthy"\} 1/);
    expect(text).toMatch(
      /burrow_control_plane_http_requests_total\{method="POST",route="\/api\/v2\/gateways",status="200"\} 2/,
    );
    expect(metrics.readiness()).toEqual({ ready: true });
  });
});
