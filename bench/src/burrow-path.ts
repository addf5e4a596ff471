/**
 * Burrow from its real binaries: LocalStack starts the control plane, one relay and one gateway
 * (burrow-relay start / burrow-gateway start, universal auth, their default settings); the control
 * plane issues the caller's relay and gateway client certificates for the bench target
 * (POST /api/v2/gateways/:id/connection-details), and the caller dials with tunnel-protocol's
 * dialGateway (ALPN infisical-tcp-proxy). Relay role = burrow-relay; gateway role = burrow-gateway.
 */
import { gatewayRoutes, LocalStack } from '@burrow/stack';
import {
  dialGateway,
  type DialGatewayOptions,
  type TlsSessionStore,
} from '@burrow/tunnel-protocol';
import type { BenchPath } from './bench-path.ts';

export interface BurrowPath extends BenchPath {
  readonly stack: LocalStack;
  readonly relayName: string;
  readonly gatewayId: string;
  readonly dialOptions: DialGatewayOptions;
}

export const RELAY_NAME = 'bench-relay';
export const GATEWAY_NAME = 'bench-gateway';

export async function startBurrowPath(
  targetPort: number,
  targetPid: number,
  progress: (message: string) => void,
  options: { relayEnv?: Record<string, string> } = {},
): Promise<BurrowPath> {
  // BENCH_CPU_PROF_DIR=<dir>: every Burrow process writes a V8 CPU profile there when it stops.
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const stack = await LocalStack.start({
    onProgress: progress,
    ...(profileDir
      ? { extraEnv: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } }
      : {}),
  });
  try {
    const relay = await stack.startRelay(RELAY_NAME, { env: options.relayEnv ?? {} });
    const gateway = await stack.startGateway(GATEWAY_NAME, RELAY_NAME);
    const gatewayId = (await stack.waitForHealthyGateway(GATEWAY_NAME)).id;
    const dialOptions = await connectionDetails(stack, gatewayId, targetPort);
    return {
      name: 'burrow',
      stack,
      relayName: RELAY_NAME,
      gatewayId,
      dialOptions,
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
        return (onStageDone) =>
          dialGateway({
            ...dialOptions,
            ...(resume ? { sessions } : {}),
            ...(onStageDone ? { onStageDone } : {}),
          });
      },
      stop: () => stack.stop(),
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
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
