/**
 * What every action handler gets: one inner TLS stream whose peer was authenticated (mutual TLS
 * against the gateway client CA) and whose ALPN selected this action, plus what the caller's
 * certificate says about it. One TLS session = one action (reference §5.4); the handler owns the
 * socket from here on and must end or destroy it.
 */
import type tls from 'node:tls';
import type { GatewayActor, GatewayRouting, PamSessionInfo } from '@burrow/pki';
import type { Logger } from '@burrow/observability';

export interface ActionContext {
  readonly socket: tls.TLSSocket;
  /** `…100.1` of the caller's certificate: where to connect, when the caller is bound to a target. */
  readonly routing: GatewayRouting | undefined;
  /** `…100.2` of the caller's certificate: who is calling (platform, user). */
  readonly actor: GatewayActor | undefined;
  /** `…100.3` of the caller's certificate: the PAM session, on PAM certificates only. */
  readonly pamSession?: PamSessionInfo | undefined;
  /** Already carries the stream id, ALPN, actor and target. */
  readonly logger: Logger;
  /**
   * An action that connects a target calls this once it is connected: the last stage of the
   * stream's setup timing (gateway-metrics.ts). Undefined when nobody times the stream.
   */
  readonly targetConnected?: (() => void) | undefined;
}

export type ActionHandler = (context: ActionContext) => void;
