/**
 * `node gateway-swarm-main.ts <registrations.json>`: connects every registered gateway to its
 * relay (gateway-swarm.ts), prints `connected <n>`, and holds the connections until SIGTERM.
 */
import fs from 'node:fs';
import type { GatewayRegistration } from '@burrow/gateway';
import { connectSwarm } from './gateway-swarm.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: gateway-swarm-main.ts <registrations.json>');
  process.exit(2);
}
const registrations = JSON.parse(fs.readFileSync(file, 'utf8')) as GatewayRegistration[];
const connections = await connectSwarm(registrations);
let dropped = 0;
for (const connection of connections) connection.on('close', () => (dropped += 1));
process.stdout.write(`connected ${connections.length}\n`);
setInterval(() => {
  if (dropped > 0) process.stdout.write(`dropped ${dropped}\n`);
}, 5_000);
process.on('SIGTERM', () => {
  for (const connection of connections) connection.close();
  setTimeout(() => process.exit(0), 200);
});
