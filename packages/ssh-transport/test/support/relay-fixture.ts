/**
 * A relay SSH server with fresh credentials on 127.0.0.1, and matching gateway options.
 */
import type { SshKeyType } from '@burrow/pki';
import {
  createRelaySshServer,
  type RelayAuthFailure,
  type RelayConnectOptions,
  type RelaySshServer,
  type RelaySshServerOptions,
} from '../../src/index.ts';
import { issueHostCert, issueUserCert, makeKey, type TestKey } from './pki-fixtures.ts';

export const RELAY_NAME = 'relay-1';
export const GATEWAY_ID = '6f1c7f7e-1d7a-4c55-9d0e-3c1f4f3b2a10';
export const GATEWAY_NAME = 'gw-one';

export interface RelayFixture {
  readonly server: RelaySshServer;
  readonly port: number;
  readonly userCa: TestKey;
  readonly hostCa: TestKey;
  readonly hostKey: TestKey;
  readonly failures: RelayAuthFailure[];
  /** Gateway options with a valid certificate from `userCa` (override anything). */
  gatewayOptions(overrides?: Partial<RelayConnectOptions>): RelayConnectOptions;
  /** A gateway key and its certificate line from `userCa`. */
  gatewayCredentials(
    keyType?: SshKeyType,
    certOverrides?: Partial<Parameters<typeof issueUserCert>[2]>,
    ca?: TestKey,
  ): { key: TestKey; certificate: string };
}

export interface RelayFixtureOptions {
  readonly hostKeyType?: SshKeyType;
  readonly server?: Partial<RelaySshServerOptions>;
}

export async function startRelay(options: RelayFixtureOptions = {}): Promise<RelayFixture> {
  const userCa = makeKey('ed25519', 'user-ca');
  const hostCa = makeKey('ed25519', 'host-ca');
  const hostKey = makeKey(options.hostKeyType ?? 'ed25519', 'relay-host');
  const server = createRelaySshServer({
    hostPrivateKey: hostKey.privateKey,
    hostCertificate: issueHostCert(hostCa, hostKey, {
      keyId: 'relay-server',
      principals: ['relay.test:2222'],
    }),
    trustedUserCaPublicKey: userCa.publicKeyLine,
    relayName: RELAY_NAME,
    ...options.server,
  });
  const failures: RelayAuthFailure[] = [];
  server.on('auth-failure', (failure: RelayAuthFailure) => failures.push(failure));
  const { port } = await server.listen(0, '127.0.0.1');

  const gatewayCredentials: RelayFixture['gatewayCredentials'] = (
    keyType = 'ed25519',
    certOverrides = {},
    ca = userCa,
  ) => {
    const key = makeKey(keyType, 'gateway');
    const certificate = issueUserCert(ca, key, {
      keyId: `client-${RELAY_NAME}`,
      principals: [GATEWAY_ID, GATEWAY_NAME],
      ...certOverrides,
    });
    return { key, certificate };
  };

  return {
    server,
    port,
    userCa,
    hostCa,
    hostKey,
    failures,
    gatewayCredentials,
    gatewayOptions(overrides = {}) {
      const { key, certificate } = gatewayCredentials();
      return {
        host: '127.0.0.1',
        port,
        username: GATEWAY_ID,
        privateKey: key.privateKey,
        certificate,
        serverCaPublicKey: hostCa.publicKeyLine,
        hostPrincipal: 'relay.test:2222',
        dialTimeoutMs: 10_000,
        ...overrides,
      };
    },
  };
}
