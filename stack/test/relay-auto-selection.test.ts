/**
 * Relay auto-selection and failover (reference §5.8, issue 21): a gateway started without a relay
 * name lists the relays, measures each healthy one, dials the winner, and when that relay goes
 * away selects again and moves to the other one. Real control plane, two real relays, a real
 * gateway; every process stopped by its PID.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { routes } from '@burrow/platform-api';
import { RELAY_DRAIN_TIMEOUT_MS } from '@burrow/tunnel-protocol';
import { LocalStack, sleep, startEchoTarget, type GatewayHandle } from '../src/index.ts';

const RELAYS = ['relay-east', 'relay-west'];
const GATEWAY = 'gw-auto';

let stack: LocalStack;
let target: Awaited<ReturnType<typeof startEchoTarget>>;
let gateway: GatewayHandle;
let selected: string;

beforeAll(async () => {
  [stack, target] = await Promise.all([LocalStack.start(), startEchoTarget()]);
  await Promise.all(RELAYS.map((name) => stack.startRelay(name)));
  // Selection only considers relays whose heartbeat the control plane has recorded.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const relays = await stack.api.call(routes.listRelays);
    if (RELAYS.every((name) => relays.find((r) => r.name === name)?.heartbeat)) break;
    if (Date.now() > deadline)
      throw new Error(`relays without heartbeat: ${JSON.stringify(relays)}`);
    await sleep(250);
  }
  // No INFISICAL_RELAY_NAME at all: an empty value is what an unset one is.
  gateway = await stack.startGateway(GATEWAY, '', { env: { INFISICAL_RELAY_NAME: '' } });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

describe('a gateway given no relay name', () => {
  it('selects one of the healthy relays, registers with it and carries a test connection', async () => {
    const line = await gateway.process.waitFor(/relay selected \(none was named\)/, 10_000);
    selected = JSON.parse(line).relay as string;
    expect(RELAYS).toContain(selected);
    expect(await stack.testConnection(GATEWAY, target.port)).toBe(true);
    const row = (await stack.api.call(routes.listGateways)).find((g) => g.name === GATEWAY);
    expect(row?.relayName).toBe(selected);
  });

  it('fails over to the other relay when the selected one goes away', async () => {
    const other = RELAYS.find((name) => name !== selected) as string;
    const from = gateway.process.lineCount;
    await stack.relays
      .get(selected)!
      .process.stop('SIGTERM', { graceMs: RELAY_DRAIN_TIMEOUT_MS + 15_000 });
    const switched = await gateway.process.waitFor(
      /relay failover: switching relay/,
      120_000,
      from,
    );
    expect(JSON.parse(switched)).toMatchObject({ from: selected, to: other });
    await gateway.process.waitFor(/reconnected to relay/, 120_000, from);
    expect(await stack.testConnection(GATEWAY, target.port)).toBe(true);
    const row = (await stack.api.call(routes.listGateways)).find((g) => g.name === GATEWAY);
    expect(row?.relayName).toBe(other);
  }, 240_000);
});
