/**
 * Gateway swarm: many idle gateways, each one the gateway's own relay loop — @burrow/gateway's
 * RelayTunnel (reconnect with ReconnectBackoff: exponential, full jitter) around its dialRelay
 * (user certificate login, host certificate check, keepalives, TCP_NODELAY) — dialing from its own
 * loopback source address, so the relay's per-source admission limits treat each like a gateway
 * on its own host. Swarm gateways accept no streams (channels are destroyed); they measure what an
 * idle gateway costs the relay.
 *
 * registerSwarm() runs in the bench process (one machine identity and registration per gateway);
 * gateway-swarm-main.ts runs a slice of them in a child process (swarm-fleet.ts starts several),
 * so the relay's memory and CPU are measured alone.
 *
 * One difference from burrow-gateway: after a lost connection a swarm gateway dials again with the
 * credentials it has instead of registering again first (the control plane's load is not what is
 * measured, and 10,000 registrations at once would measure nothing else).
 */
import fs from 'node:fs';
import type { Duplex } from 'node:stream';
import {
  dialRelay,
  registerGateway,
  RelayTunnel,
  type GatewayRegistration,
  type RelayDialTuning,
} from '@burrow/gateway';
import { createLogger } from '@burrow/observability';
import { PlatformClient, routes } from '@burrow/platform-api';
import { createUniversalAuthIdentity, type LocalStack } from '@burrow/stack';

/** Parallel control-plane calls while registering: enough to be quick, not a load test of it. */
const REGISTRATION_CONCURRENCY = 8;

export async function registerSwarm(
  stack: LocalStack,
  relayName: string,
  count: number,
  file: string,
  progress: (message: string) => void,
): Promise<void> {
  const registrations: GatewayRegistration[] = [];
  let next = 0;
  const reportEvery = count >= 2_000 ? 500 : 50;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const name = `swarm-${index}`;
      const identity = await createUniversalAuthIdentity(
        stack.api,
        stack.organizationId,
        name,
        'gateway',
      );
      const { accessToken } = await new PlatformClient({ apiUrl: stack.apiUrl }).call(
        routes.universalAuthLogin,
        { body: { clientId: identity.clientId, clientSecret: identity.clientSecret } },
      );
      const platform = new PlatformClient({ apiUrl: stack.apiUrl, token: () => accessToken });
      registrations.push(await registerGateway(platform, { relayName, name }));
      if (registrations.length % reportEvery === 0)
        progress(`registered ${registrations.length}/${count} swarm gateways`);
    }
  };
  await Promise.all(Array.from({ length: REGISTRATION_CONCURRENCY }, worker));
  fs.writeFileSync(file, JSON.stringify(registrations), { mode: 0o600 });
}

/**
 * The loopback address swarm gateway `index` dials from: 127.1.0.1, 127.1.0.2, … (250 per third
 * octet, so no address ends in .0 or .255). Every 127.0.0.0/8 address is local on Linux.
 */
export function swarmSourceAddress(index: number): string {
  const perSecondOctet = 250 * 250;
  const second = 1 + Math.floor(index / perSecondOctet);
  const third = Math.floor((index % perSecondOctet) / 250);
  return `127.${second}.${third}.${(index % 250) + 1}`;
}

export interface SwarmKeepalive {
  intervalMs: number;
  countMax: number;
}

export interface SwarmCounters {
  /** Gateways whose relay connection is up now. */
  up: number;
  /** Successful logins (first connections and reconnections). */
  connects: number;
  /** Dials that failed (refused at accept, handshake timeout, network). */
  failures: number;
  /** Connections that were up and closed. */
  losses: number;
  lastError: string;
}

export class GatewaySwarm {
  readonly #tunnels: Array<RelayTunnel<GatewayRegistration>> = [];
  readonly #counters = { connects: 0, failures: 0, losses: 0, lastError: '' };
  #starting: NodeJS.Timeout | undefined;

  /**
   * Starts one RelayTunnel per registration, `startPerSecond` of them per second (gateways do not
   * all boot in the same millisecond; a relay restart is what tests the herd).
   */
  constructor(
    registrations: readonly GatewayRegistration[],
    options: {
      firstIndex: number;
      startPerSecond: number;
      keepalive?: SwarmKeepalive | undefined;
    },
  ) {
    const logger = createLogger({ level: 'silent' });
    let next = 0;
    const startSome = (): void => {
      const batch = Math.max(1, Math.round(options.startPerSecond / 10));
      for (let i = 0; i < batch && next < registrations.length; i++, next++) {
        const tuning: RelayDialTuning = {
          localAddress: swarmSourceAddress(options.firstIndex + next),
          ...(options.keepalive
            ? {
                keepaliveIntervalMs: options.keepalive.intervalMs,
                keepaliveCountMax: options.keepalive.countMax,
              }
            : {}),
        };
        const registration = registrations[next] as GatewayRegistration;
        const tunnel = new RelayTunnel<GatewayRegistration>({
          register: () => Promise.resolve(registration),
          dial: (registration) => this.#dial(registration, tuning),
          onChannel: (channel: Duplex) => channel.destroy(),
          onConnected: () => (this.#counters.connects += 1),
          logger,
        });
        tunnel.start(registration);
        this.#tunnels.push(tunnel);
      }
      if (next >= registrations.length) clearInterval(this.#starting);
    };
    this.#starting = setInterval(startSome, 100);
    startSome();
  }

  async #dial(registration: GatewayRegistration, tuning: RelayDialTuning) {
    try {
      const connection = await dialRelay(registration, tuning);
      connection.once('close', () => (this.#counters.losses += 1));
      return connection;
    } catch (error) {
      this.#counters.failures += 1;
      this.#counters.lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  counters(): SwarmCounters {
    return { up: this.#tunnels.filter((t) => t.connected).length, ...this.#counters };
  }

  async stop(): Promise<void> {
    clearInterval(this.#starting);
    await Promise.all(this.#tunnels.map((tunnel) => tunnel.stop()));
  }
}
