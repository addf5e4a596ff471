import { ALPN, GatewayIdentityError } from '@burrow/tunnel-protocol';
import type { GatewayTarget, GatewayTunnelClient } from './gateway-tunnel.ts';

/**
 * `POST /api/v2/gateways/:id/test-connection`: can the gateway reach targetHost:targetPort?
 *
 * It opens a real `infisical-tcp-proxy` tunnel (relay TLS, then gateway mTLS with a 5-minute
 * platform certificate naming the target); the gateway then dials the target and, if that
 * fails, closes the tunnel. So, after the inner handshake:
 *
 *   - the target sends a first byte (SSH/SMTP banner, ...)  → reachable, roundTripMs up to it
 *   - the tunnel closes without a byte                       → not reachable (target refused,
 *                                                              unresolvable or timed out)
 *   - neither within the settle window                       → reachable: the gateway keeps the
 *                                                              tunnel open and silent targets
 *                                                              (HTTP, PostgreSQL, echo) wait for
 *                                                              the client to speak first
 *
 * A refused or unresolvable target makes the gateway close within milliseconds; a target that
 * drops packets is only detected if the gateway's connect timeout ends inside the window, so the
 * window is configurable. Nothing is ever written to the target.
 *
 * Two times: `roundTripMs` is the path's own — the tunnel open through relay and gateway (or the
 * target's first byte, or the close); `elapsedMs` is what the caller waited, which for a silent
 * target includes the whole settle window (1.5 s by default).
 *
 * `error` is Burrow's own words only (and, for a wrong gateway, which gateway answered: the
 * control plane's finding about certificates it issued); what the relay or gateway said (a TLS
 * alert, a socket error) is in `detail`, for the control plane's log, and is never answered to
 * the caller: test-connection must not become a way to read other hosts' answers.
 */
export interface ConnectionTestResult {
  reachable: boolean;
  roundTripMs: number;
  elapsedMs: number;
  error?: string;
}

export interface ConnectionTestOutcome {
  result: ConnectionTestResult;
  /** What the relay or gateway said when the tunnel failed; log only. */
  detail?: string;
}

/** How long a silent, open tunnel is watched before the target counts as reachable. */
export const DEFAULT_SETTLE_MS = 1_500;

export async function testTargetConnection(
  tunnel: GatewayTunnelClient,
  gatewayId: string,
  target: GatewayTarget,
  settleMs = DEFAULT_SETTLE_MS,
): Promise<ConnectionTestOutcome> {
  const requested = performance.now();
  const prepared = await tunnel.prepare(gatewayId, target);
  const started = performance.now();
  const since = (start: number): number => Math.round((performance.now() - start) * 100) / 100;
  const elapsed = (): number => since(started);
  const result = (outcome: Omit<ConnectionTestResult, 'elapsedMs'>): ConnectionTestResult => ({
    ...outcome,
    elapsedMs: since(requested),
  });
  let socket;
  try {
    socket = await tunnel.dial(prepared, ALPN.tcpProxy);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    // A wrong gateway is the control plane's own finding about certificates it issued: said in
    // full. Anything else is what a relay or gateway answered: logged only.
    const said =
      error instanceof GatewayIdentityError
        ? error.message
        : 'the relay or the gateway refused or did not answer';
    return {
      result: result({ reachable: false, roundTripMs: elapsed(), error: `tunnel failed: ${said}` }),
      detail,
    };
  }
  const handshakeMs = elapsed();
  return new Promise<ConnectionTestOutcome>((resolve) => {
    let done = false;
    const finish = (outcome: Omit<ConnectionTestResult, 'elapsedMs'>, detail?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(
        detail === undefined ? { result: result(outcome) } : { result: result(outcome), detail },
      );
    };
    const timer = setTimeout(() => finish({ reachable: true, roundTripMs: handshakeMs }), settleMs);
    socket.once('data', () => finish({ reachable: true, roundTripMs: elapsed() }));
    const closed = (): void =>
      finish({
        reachable: false,
        roundTripMs: elapsed(),
        error: `gateway could not connect to ${target.targetHost}:${target.targetPort} (it closed the tunnel)`,
      });
    socket.once('end', closed);
    socket.once('close', closed);
    socket.once('error', (error: Error) =>
      finish(
        { reachable: false, roundTripMs: elapsed(), error: 'tunnel error: the tunnel broke' },
        error.message,
      ),
    );
  });
}
