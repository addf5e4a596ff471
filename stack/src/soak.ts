/**
 * `pnpm soak`: a bounded soak of the whole stack on loopback (not in CI). Starts the control plane,
 * two relays and a gateway holding tunnels to both, then for BURROW_SOAK_MINUTES (default 3,
 * at most 60) keeps BURROW_SOAK_CONCURRENCY (default 32) streams busy — each dials through a
 * relay (alternating, falling back to the other), echoes 256 KiB and closes — and restarts one
 * relay every BURROW_SOAK_RESTART_EVERY_S seconds (default 60; 0 = never). Every 10 s it prints
 * one line: streams ok / failed so far, failures in the last interval, and each process's
 * resident memory from its /metrics. Exits 1 if any stream hung past its 30 s deadline or no
 * stream succeeded, 0 otherwise. Everything stops by PID at the end or on Ctrl-C.
 */
import crypto from 'node:crypto';
import type tls from 'node:tls';
import { dialGateway, type DialGatewayOptions } from '@burrow/tunnel-protocol';
import { gatewayRoutes } from './gateway-routes.ts';
import { startEchoTarget } from './echo-target.ts';
import { freePort } from '@burrow/test-support';
import { LocalStack, sleep } from './local-stack.ts';

const minutes = Math.min(Number(process.env.BURROW_SOAK_MINUTES ?? 3), 60);
const concurrency = Math.min(Number(process.env.BURROW_SOAK_CONCURRENCY ?? 32), 512);
const restartEverySeconds = Number(process.env.BURROW_SOAK_RESTART_EVERY_S ?? 60);
const STREAM_BYTES = 256 * 1024;
const STREAM_DEADLINE_MS = 30_000;
const REPORT_EVERY_MS = 10_000;

const target = await startEchoTarget();
const stack = await LocalStack.start({ onProgress: (m) => process.stdout.write(`soak: ${m}\n`) });
const metricsPorts: Record<string, number> = {};
const startRelay = async (name: string): Promise<void> => {
  metricsPorts[name] ??= await freePort();
  await stack.startRelay(name, {
    env: { BURROW_RELAY_METRICS_LISTEN_ADDRESS: `127.0.0.1:${metricsPorts[name]}` },
  });
};
let stopping = false;
const stopAll = async (code: number): Promise<never> => {
  stopping = true;
  await stack.stop();
  await target.close();
  process.exit(code);
};
process.once('SIGINT', () => void stopAll(130));

try {
  await startRelay('relay-a');
  await startRelay('relay-b');
  metricsPorts.gateway = await freePort();
  await stack.startGateway('gateway-soak', 'relay-a,relay-b', {
    env: { BURROW_GATEWAY_METRICS_LISTEN_ADDRESS: `127.0.0.1:${metricsPorts.gateway}` },
  });
  const gatewayId = (await stack.waitForHealthyGateway('gateway-soak')).id;

  let routes: DialGatewayOptions[] = [];
  let routesAt = 0;
  const freshRoutes = async (): Promise<DialGatewayOptions[]> => {
    // Caller certificates live 5 minutes: fetch new ones every 2.
    if (Date.now() - routesAt < 120_000 && routes.length > 0) return routes;
    routes = await gatewayRoutes(stack.api, gatewayId, { host: '127.0.0.1', port: target.port });
    routesAt = Date.now();
    return routes;
  };

  const totals = { ok: 0, failed: 0, hung: 0 };
  let failedThisInterval = 0;
  const payload = crypto.randomBytes(STREAM_BYTES);
  const oneStream = async (index: number): Promise<void> => {
    const available = await freshRoutes();
    const work = (async (): Promise<boolean> => {
      let socket: tls.TLSSocket | undefined;
      for (let attempt = 0; attempt < available.length && !socket; attempt++) {
        socket = await dialGateway(available[(index + attempt) % available.length]!).catch(
          () => undefined,
        );
      }
      if (!socket) return false;
      const connected = socket;
      return new Promise<boolean>((resolve) => {
        let received = 0;
        connected.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= STREAM_BYTES) {
            connected.end();
            resolve(true);
          }
        });
        connected.on('error', () => resolve(false));
        connected.on('close', () => resolve(received >= STREAM_BYTES));
        connected.write(payload);
      });
    })();
    const outcome = await Promise.race([work, sleep(STREAM_DEADLINE_MS).then(() => 'hung')]);
    if (outcome === true) totals.ok += 1;
    else if (outcome === 'hung') totals.hung += 1;
    else {
      totals.failed += 1;
      failedThisInterval += 1;
    }
  };

  const rssOf = async (port: number): Promise<string> => {
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const match = /_process_resident_memory_bytes (\d+)/.exec(text);
      return match ? `${Math.round(Number(match[1]) / 2 ** 20)}MiB` : '?';
    } catch {
      return 'down';
    }
  };

  const endAt = Date.now() + minutes * 60_000;
  const started = Date.now();
  process.stdout.write(
    `soak: ${minutes} min, ${concurrency} concurrent streams of ${STREAM_BYTES / 1024} KiB, relay restart every ${restartEverySeconds || 'never'} s\n`,
  );
  const workers = Array.from({ length: concurrency }, async (_, worker) => {
    for (let i = worker; Date.now() < endAt && !stopping; i += concurrency) await oneStream(i);
  });
  const reporter = (async () => {
    let nextRestart = restartEverySeconds > 0 ? Date.now() + restartEverySeconds * 1000 : Infinity;
    let victim = 'relay-a';
    while (Date.now() < endAt && !stopping) {
      await sleep(REPORT_EVERY_MS);
      const memory = await Promise.all(
        Object.entries(metricsPorts).map(async ([name, port]) => `${name}=${await rssOf(port)}`),
      );
      process.stdout.write(
        `soak t=${Math.round((Date.now() - started) / 1000)}s ok=${totals.ok} failed=${totals.failed} (+${failedThisInterval}) hung=${totals.hung} rss ${memory.join(' ')}\n`,
      );
      failedThisInterval = 0;
      if (Date.now() >= nextRestart) {
        process.stdout.write(`soak: restarting ${victim} (SIGTERM: drain)\n`);
        await stack.relays.get(victim)!.process.stop('SIGTERM');
        await startRelay(victim);
        victim = victim === 'relay-a' ? 'relay-b' : 'relay-a';
        nextRestart = Date.now() + restartEverySeconds * 1000;
      }
    }
  })();
  await Promise.all([...workers, reporter]);
  process.stdout.write(
    `soak done: ok=${totals.ok} failed=${totals.failed} hung=${totals.hung} in ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  await stopAll(totals.hung > 0 || totals.ok === 0 ? 1 : 0);
} catch (error) {
  process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n`);
  await stopAll(1);
}
