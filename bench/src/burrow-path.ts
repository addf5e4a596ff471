/**
 * Burrow from its real binaries: LocalStack starts the control plane, one relay and one gateway
 * (burrow-relay start / burrow-gateway start, universal auth, their default settings); the control
 * plane issues the caller's relay and gateway client certificates for the bench target
 * (POST /api/v2/gateways/:id/connection-details), and the caller dials with tunnel-protocol's
 * dialGateway (ALPN infisical-tcp-proxy). Relay role = burrow-relay; gateway role = burrow-gateway.
 */
import { X509Certificate } from 'node:crypto';
import { gatewayRoutes, LocalStack } from '@burrow/stack';
import {
  dialGateway,
  type DialGatewayOptions,
  type TlsSessionStore,
} from '@burrow/tunnel-protocol';
import { freePort } from '@burrow/test-support';
import type { BenchPath } from './bench-path.ts';
import { scrapeStages } from './process-stages.ts';

export interface BurrowPath extends BenchPath {
  readonly stack: LocalStack;
  readonly relayName: string;
  readonly gatewayId: string;
}

export const RELAY_NAME = 'bench-relay';
export const GATEWAY_NAME = 'bench-gateway';

export async function startBurrowPath(
  targetPort: number,
  targetPid: number,
  progress: (message: string) => void,
  options: { relayEnv?: Record<string, string>; controlPlaneEnv?: Record<string, string> } = {},
): Promise<BurrowPath> {
  // BENCH_CPU_PROF_DIR=<dir>: every Burrow process writes a V8 CPU profile there when it stops.
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const stack = await LocalStack.start({
    onProgress: progress,
    ...(options.controlPlaneEnv ? { controlPlaneEnv: options.controlPlaneEnv } : {}),
    ...(profileDir
      ? { extraEnv: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } }
      : {}),
  });
  try {
    // Their /metrics, for the setup stages each times in its own process (process-stages.ts).
    const [relayMetricsPort, gatewayMetricsPort] = await Promise.all([freePort(), freePort()]);
    const relayEnv = {
      BURROW_RELAY_METRICS_LISTEN_ADDRESS: `127.0.0.1:${relayMetricsPort}`,
      ...options.relayEnv,
    };
    const relay = await stack.startRelay(RELAY_NAME, { env: relayEnv });
    const gateway = await stack.startGateway(GATEWAY_NAME, RELAY_NAME, {
      env: { BURROW_GATEWAY_METRICS_LISTEN_ADDRESS: `127.0.0.1:${gatewayMetricsPort}` },
    });
    const metricsUrls = {
      relay: `http://${relayEnv.BURROW_RELAY_METRICS_LISTEN_ADDRESS}/metrics`,
      gateway: `http://127.0.0.1:${gatewayMetricsPort}/metrics`,
    };
    const gatewayId = (await stack.waitForHealthyGateway(GATEWAY_NAME)).id;
    let dialOptions = await connectionDetails(stack, gatewayId, targetPort);
    let dialOptionsExpireAt = expiresAt(dialOptions); // parsed once, not on every measured dial
    // Connection details live 5 minutes (reference §2.2) and a full run takes longer: fetch new
    // ones, as a real caller would, when the current ones have less than a minute left. Once
    // every few minutes one dial pays for it (a few ms), invisible in a percentile.
    let refreshing: Promise<void> | undefined;
    const freshDialOptions = async (): Promise<DialGatewayOptions> => {
      if (dialOptionsExpireAt - Date.now() < CONNECTION_DETAILS_REFRESH_MS) {
        refreshing ??= connectionDetails(stack, gatewayId, targetPort)
          .then((fresh) => {
            dialOptions = fresh;
            dialOptionsExpireAt = expiresAt(fresh);
          })
          .finally(() => {
            refreshing = undefined; // a failed refresh is tried again by the next dial
          });
        await refreshing;
      }
      return dialOptions;
    };
    return {
      name: 'burrow',
      stack,
      relayName: RELAY_NAME,
      gatewayId,
      commands: [
        `node apps/control-plane/dist/main.js serve --host 127.0.0.1 --port <free> --data-dir <scratch>`,
        `node apps/relay/dist/main.js start   # INFISICAL_RELAY_NAME=${RELAY_NAME} INFISICAL_RELAY_TYPE=org INFISICAL_AUTH_METHOD=universal-auth BURROW_RELAY_SSH_LISTEN_ADDRESS=127.0.0.1:${relay.sshPort} BURROW_RELAY_TLS_LISTEN_ADDRESS=127.0.0.1:${relay.tlsPort}`,
        `node apps/gateway/dist/main.js start ${GATEWAY_NAME}   # INFISICAL_RELAY_NAME=${RELAY_NAME} INFISICAL_AUTH_METHOD=universal-auth`,
        `caller: dialGateway() from @burrow/tunnel-protocol with the certificates of POST /api/v2/gateways/${gatewayId}/connection-details {targetHost:127.0.0.1,targetPort:${targetPort}}; sessions: {} for resumption`,
      ],
      roles: {
        caller: [{ pid: process.pid, tree: false }],
        relay: [{ pid: relay.process.pid as number }],
        gateway: [{ pid: gateway.process.pid as number }],
        target: [{ pid: targetPid }],
      },
      dialer: ({ resume }) => {
        const sessions: TlsSessionStore = {};
        return async (onStageDone) =>
          dialGateway({
            ...(await freshDialOptions()),
            ...(resume ? { sessions } : {}),
            ...(onStageDone ? { onStageDone } : {}),
          });
      },
      scrapeStages: () => scrapeStages(metricsUrls),
      stop: () => stack.stop(),
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** Fetch new connection details when the current ones have less than this left. */
const CONNECTION_DETAILS_REFRESH_MS = 60_000;

/** When the first of the two client certificates expires. */
function expiresAt(options: DialGatewayOptions): number {
  return Math.min(
    new X509Certificate(options.relay.certificate).validToDate.getTime(),
    new X509Certificate(options.gateway.certificate).validToDate.getTime(),
  );
}

export async function connectionDetails(
  stack: LocalStack,
  gatewayId: string,
  targetPort: number,
): Promise<DialGatewayOptions> {
  const [first] = await gatewayRoutes(stack.api, gatewayId, {
    host: '127.0.0.1',
    port: targetPort,
  });
  return first as DialGatewayOptions;
}
