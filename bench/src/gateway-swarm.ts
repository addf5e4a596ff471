/**
 * Gateway swarm: many gateway SSH connections to one relay from a single process, with the
 * gateway's own code — registration answers parsed by @burrow/gateway, connections made by
 * @burrow/ssh-transport's connectToRelay exactly as burrow-gateway's relay dialer does (user
 * certificate login, host certificate check, keepalives, TCP_NODELAY). Swarm gateways accept no
 * streams (channels are refused); they measure what an idle gateway costs the relay.
 *
 * registerSwarm() runs in the bench process (one machine identity and registration per gateway);
 * gateway-swarm-main.ts connects them in a child process so the relay's memory is measured alone.
 */
import fs from 'node:fs';
import { registerGateway, type GatewayRegistration } from '@burrow/gateway';
import { PlatformClient, routes } from '@burrow/platform-api';
import { connectToRelay, type RelaySshConnection } from '@burrow/ssh-transport';
import { createUniversalAuthIdentity, type LocalStack } from '@burrow/stack';

/** Parallel control-plane calls while registering: enough to be quick, not a load test of it. */
const REGISTRATION_CONCURRENCY = 8;
/** Parallel SSH logins while connecting the swarm. */
const CONNECT_CONCURRENCY = 16;

export async function registerSwarm(
  stack: LocalStack,
  relayName: string,
  count: number,
  file: string,
  progress: (message: string) => void,
): Promise<void> {
  const registrations: GatewayRegistration[] = [];
  let next = 0;
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
      if (registrations.length % 50 === 0)
        progress(`registered ${registrations.length}/${count} swarm gateways`);
    }
  };
  await Promise.all(Array.from({ length: REGISTRATION_CONCURRENCY }, worker));
  fs.writeFileSync(file, JSON.stringify(registrations), { mode: 0o600 });
}

export async function connectSwarm(
  registrations: readonly GatewayRegistration[],
): Promise<RelaySshConnection[]> {
  const connections: RelaySshConnection[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < registrations.length) {
      const registration = registrations[next++] as GatewayRegistration;
      connections.push(
        await connectToRelay({
          host: registration.relaySshHost,
          port: registration.relaySshPort,
          username: registration.gatewayId,
          privateKey: registration.ssh.clientPrivateKey,
          certificate: registration.ssh.clientCertificate,
          serverCaPublicKey: registration.ssh.serverCAPublicKey,
          hostPrincipal: registration.relayHostPrincipal,
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  return connections;
}
