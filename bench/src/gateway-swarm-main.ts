/**
 * `node gateway-swarm-main.ts <slice.json>`: runs one slice of the gateway swarm
 * (gateway-swarm.ts) until SIGTERM. slice.json: { registrations, firstIndex, startPerSecond,
 * keepalive? }. Prints `status up=<n> connects=<n> failures=<n> losses=<n> error=<last>` every
 * second (swarm-fleet.ts adds them up).
 */
import fs from 'node:fs';
import type { GatewayRegistration } from '@burrow/gateway';
import { GatewaySwarm, type SwarmKeepalive } from './gateway-swarm.ts';

interface Slice {
  registrations: GatewayRegistration[];
  firstIndex: number;
  startPerSecond: number;
  keepalive?: SwarmKeepalive;
}

const file = process.argv[2];
if (!file) {
  console.error('usage: gateway-swarm-main.ts <slice.json>');
  process.exit(2);
}
const slice = JSON.parse(fs.readFileSync(file, 'utf8')) as Slice;
const swarm = new GatewaySwarm(slice.registrations, slice);
const report = (): void => {
  const c = swarm.counters();
  process.stdout.write(
    `status up=${c.up} connects=${c.connects} failures=${c.failures} losses=${c.losses} error=${JSON.stringify(c.lastError)}\n`,
  );
};
const reporting = setInterval(report, 1_000);
process.once('SIGTERM', () => {
  clearInterval(reporting);
  void swarm.stop().then(() => process.exit(0));
});
