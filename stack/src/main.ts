#!/usr/bin/env node
/**
 * burrow-stack: the README's first command. Starts the whole stack on loopback on its embedded
 * defaults (fresh SQLite, no Docker), proves a round trip through relay and gateway, then shows
 * what runs where until Ctrl-C, which stops every process it started.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dropOutputToClosedPipes } from '@burrow/observability';
import { routes } from '@burrow/platform-api';
import { startEchoTarget } from './echo-target.ts';
import { LocalStack } from './local-stack.ts';
import { setUpPamDemo, type PamDemo } from './pam-demo.ts';
import { STACK_USAGE, stackOptionsOrExit } from './stack-options.ts';

/**
 * Signals first, output second: Ctrl-C or SIGTERM stops every child and removes the scratch
 * directories before anything is written, and a write to a reader that has gone (`| head -1`, or
 * `| tee log` whose tee the same Ctrl-C killed) is dropped instead of ending the process.
 */
async function main(): Promise<number> {
  dropOutputToClosedPipes();
  const options = stackOptionsOrExit(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(STACK_USAGE);
    return 0;
  }
  if (options.keepData) process.env.BURROW_KEEP_STACK_DIR = '1';
  const say = (message: string): void => void process.stdout.write(`• ${message}\n`);

  // What is running, filled in as it starts; a signal stops whatever is there by then, and the
  // start-up step in flight sees `aborted` and stops what it was starting.
  const aborted = new AbortController();
  let target: Awaited<ReturnType<typeof startEchoTarget>> | undefined;
  let stack: LocalStack | undefined;
  let pamDemo: PamDemo | undefined;
  let startup: Promise<unknown> = Promise.resolve();
  let stopped: Promise<void> | undefined;
  const stopEverything = (): Promise<void> =>
    (stopped ??= (async () => {
      aborted.abort();
      await Promise.allSettled([stack?.stop(), pamDemo?.stop(), target?.close()]);
      await startup.catch(() => undefined);
    })());
  const sayStopped = (why: string): void => {
    const data = options.keepData
      ? `kept its scratch data${stack ? ` in ${stack.workDir}` : ''} (--keep-data)`
      : 'removed its scratch data';
    say(`${why}: stopped every process the stack started and ${data}`);
  };
  const onSignal = (signal: NodeJS.Signals): void =>
    void stopEverything().then(() => {
      sayStopped(signal);
      process.exit(0);
    });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const run = async (): Promise<void> => {
    target = await startEchoTarget();
    say(
      `demo target: TCP echo server on 127.0.0.1:${target.port} (stands in for a private service)`,
    );
    stack = await LocalStack.start({ onProgress: say, signal: aborted.signal });
    const relay = await stack.startRelay('local-relay');
    const gateway = await stack.startGateway('local-gateway', relay.name);
    say(
      'waiting for the control plane to see the gateway healthy (heartbeat probe through the relay)',
    );
    const summary = await stack.waitForHealthyGateway(gateway.name);
    const result = await stack.api.call(routes.testGatewayConnection, {
      params: { id: summary.id },
      body: { targetHost: '127.0.0.1', targetPort: target.port },
    });
    if (!result.reachable)
      throw new Error(`test connection failed: ${result.error ?? 'unreachable'}`);
    say(
      `round trip: control plane -> relay :${relay.tlsPort} -> gateway -> 127.0.0.1:${target.port} reachable: tunnel open in ${result.roundTripMs} ms; the check took ${result.elapsedMs} ms (a silent target is watched 1.5 s before it counts as reachable)`,
    );

    const tokenFile = path.join(stack.workDir, 'admin-token');
    fs.writeFileSync(tokenFile, `${stack.adminToken}\n`, { mode: 0o600 });
    const passwordFile = path.join(stack.workDir, 'admin-password');
    fs.writeFileSync(passwordFile, `${stack.adminUser.password}\n`, { mode: 0o600 });
    pamDemo = await setUpPamDemo(stack, summary.id, say, aborted.signal);
    process.stdout.write(
      statusScreen(stack, target.port, summary.id, { tokenFile, passwordFile }, pamDemo),
    );
    process.stdout.write(pamDemo.instructions);
  };
  startup = run();
  try {
    await startup;
  } catch (error) {
    if (aborted.signal.aborted) return new Promise(() => {}); // the signal handler exits
    process.stderr.write(`burrow-stack: ${(error as Error).message}\n`);
    await stopEverything();
    return 1;
  }
  if (aborted.signal.aborted) return new Promise(() => {});
  if (options.once) {
    await stopEverything();
    sayStopped('--once');
    return 0;
  }
  process.stdout.write('Press Ctrl-C to stop everything.\n');
  return new Promise(() => {}); // until Ctrl-C or SIGTERM
}

function statusScreen(
  stack: LocalStack,
  targetPort: number,
  gatewayId: string,
  files: { tokenFile: string; passwordFile: string },
  pamDemo: PamDemo,
): string {
  const { tokenFile, passwordFile } = files;
  const rows = stack
    .processes()
    .map((p) => `  ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} log ${p.logFile}`);
  if (pamDemo.postgres)
    rows.push(
      `  ${'demo PostgreSQL'.padEnd(24)} pid ${String(pamDemo.postgres.pid).padEnd(8)} log ${pamDemo.postgres.logFile}`,
    );
  if (pamDemo.sshd)
    rows.push(
      `  ${'demo sshd'.padEnd(24)} pid ${String(pamDemo.sshd.pid).padEnd(8)} 127.0.0.1:${pamDemo.sshd.port}`,
    );
  const recordings = [...stack.gateways.values()].map(
    (g) => `  PAM recordings of gateway ${g.name}: ${g.recordingDir}`,
  );
  const relays = [...stack.relays.values()].map(
    (r) =>
      `  relay ${r.name}: SSH 127.0.0.1:${r.sshPort} (gateways), TLS 127.0.0.1:${r.tlsPort} (callers)`,
  );
  return `
Burrow is running on loopback.
  control plane  ${stack.apiUrl}  (OpenAPI: ${stack.apiUrl.replace(/\/api$/, '')}/docs)
  web console    ${stack.apiUrl.replace(/\/api$/, '')}/console/
                 sign in as ${stack.adminUser.email}, password in ${passwordFile}
${relays.join('\n')}
  demo target    127.0.0.1:${targetPort} (echo)
Processes:
${rows.join('\n')}
Data: ${stack.workDir} (removed when the stack stops; --keep-data keeps it)
${recordings.join('\n')}
Try it (admin token in ${tokenFile}):
  curl -s -X POST -H "authorization: Bearer $(cat ${tokenFile})" -H 'content-type: application/json' \\
    -d '{"targetHost":"127.0.0.1","targetPort":${targetPort}}' ${stack.apiUrl}/v2/gateways/${gatewayId}/test-connection
  curl -s -H "authorization: Bearer $(cat ${tokenFile})" ${stack.apiUrl}/v2/gateways
`;
}

process.exitCode = await main();
