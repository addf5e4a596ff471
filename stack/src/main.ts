#!/usr/bin/env node
/**
 * burrow-stack: the README's first command. Starts the whole stack on loopback on its embedded
 * defaults (fresh SQLite, no Docker), proves a round trip through relay and gateway, then shows
 * what runs where until Ctrl-C, which stops every process it started.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEchoTarget } from './echo-target.ts';
import { LocalStack } from './local-stack.ts';
import { setUpPamDemo, type PamDemo } from './pam-demo.ts';

const HELP = `Usage: burrow-stack [--once] [--keep-data]

Starts control plane, relay, gateway and a demo echo target on 127.0.0.1, checks that the
control plane reaches the target through relay and gateway, and keeps running until Ctrl-C.

Options:
  --once        exit after the round trip instead of waiting for Ctrl-C (for CI smoke runs)
  --keep-data   keep the scratch directory (data, logs) after exit
  -h, --help    show this help
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      once: { type: 'boolean' },
      'keep-data': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values['keep-data']) process.env.BURROW_KEEP_STACK_DIR = '1';
  const say = (message: string): void => void process.stdout.write(`• ${message}\n`);

  const target = await startEchoTarget();
  say(`demo target: TCP echo server on 127.0.0.1:${target.port} (stands in for a private service)`);
  let stack: LocalStack | undefined;
  let pamDemo: PamDemo | undefined;
  let stopping = false;
  const stop = async (code: number): Promise<number> => {
    if (stopping) return code;
    stopping = true;
    say('stopping every process the stack started');
    await stack?.stop();
    await pamDemo?.stop();
    await target.close();
    return code;
  };
  process.once('SIGINT', () => void stop(0).then((code) => process.exit(code)));
  process.once('SIGTERM', () => void stop(0).then((code) => process.exit(code)));

  try {
    stack = await LocalStack.start({ onProgress: say });
    const relay = await stack.startRelay('local-relay');
    const gateway = await stack.startGateway('local-gateway', relay.name);
    say(
      'waiting for the control plane to see the gateway healthy (heartbeat probe through the relay)',
    );
    const summary = await stack.waitForHealthyGateway(gateway.name);
    const result = await stack.api.testConnection(summary.id, '127.0.0.1', target.port);
    if (!result.reachable)
      throw new Error(`test connection failed: ${result.error ?? 'unreachable'}`);
    say(
      `round trip: control plane -> relay :${relay.tlsPort} -> gateway -> 127.0.0.1:${target.port} reachable in ${result.roundTripMs} ms`,
    );

    const tokenFile = path.join(stack.workDir, 'admin-token');
    fs.writeFileSync(tokenFile, `${stack.api.token}\n`, { mode: 0o600 });
    pamDemo = await setUpPamDemo(stack, summary.id, say);
    process.stdout.write(statusScreen(stack, target.port, summary.id, tokenFile));
    process.stdout.write(pamDemo.instructions);
    if (values.once) return await stop(0);
    process.stdout.write('Press Ctrl-C to stop everything.\n');
    await new Promise(() => {}); // until Ctrl-C
    return 0;
  } catch (error) {
    process.stderr.write(`burrow-stack: ${(error as Error).message}\n`);
    return stop(1);
  }
}

function statusScreen(
  stack: LocalStack,
  targetPort: number,
  gatewayId: string,
  tokenFile: string,
): string {
  const rows = stack
    .processes()
    .map((p) => `  ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} log ${p.logFile}`);
  const relays = [...stack.relays.values()].map(
    (r) =>
      `  relay ${r.name}: SSH 127.0.0.1:${r.sshPort} (gateways), TLS 127.0.0.1:${r.tlsPort} (callers)`,
  );
  return `
Burrow is running on loopback.
  control plane  ${stack.apiUrl}  (OpenAPI: ${stack.apiUrl.replace(/\/api$/, '')}/docs)
${relays.join('\n')}
  demo target    127.0.0.1:${targetPort} (echo)
Processes:
${rows.join('\n')}
Try it (admin token in ${tokenFile}):
  curl -s -X POST -H "authorization: Bearer $(cat ${tokenFile})" -H 'content-type: application/json' \\
    -d '{"targetHost":"127.0.0.1","targetPort":${targetPort}}' ${stack.apiUrl}/v2/gateways/${gatewayId}/test-connection
  curl -s -H "authorization: Bearer $(cat ${tokenFile})" ${stack.apiUrl}/v2/gateways
`;
}

process.exitCode = await main();
