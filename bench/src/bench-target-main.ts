/** `node bench-target-main.ts`: starts the bench target on a free loopback port, prints it. */
import type { AddressInfo } from 'node:net';
import { startBenchTarget } from './bench-target.ts';

const server = await startBenchTarget();
process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
process.on('SIGTERM', () => process.exit(0));
