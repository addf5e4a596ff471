/**
 * One test per change in patches/ssh2@1.17.0.patch, each failing if the change is lost. They drive
 * bare ssh2 servers and clients (not the relay/gateway wrappers) so that each isolates one change.
 * The OpenSSH interop tests (openssh-interop.test.ts) judge the same changes independently.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  parseSshCertificate,
  parseSshSignature,
  verifySshSignature,
  type SshKeyType,
} from '@burrow/pki';
import ssh2 from 'ssh2';
import type { Connection, PublicKeyAuthContext } from 'ssh2';
import {
  acceptDirectTcpipChannels,
  assertSsh2Patched,
  createUserCertificateKey,
  hostCertificateKeys,
  HOST_CERTIFICATE_ALGORITHMS,
  loadSshPrivateKey,
  openDirectTcpipChannel,
  singleAttemptAuthHandler,
  sshAlgorithms,
} from '../src/index.ts';
import { issueHostCert, issueUserCert, makeKey } from './support/pki-fixtures.ts';
import { once, withTimeout } from './support/wait.ts';

const require = createRequire(import.meta.url);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Pair {
  readonly serverConn: Connection;
  readonly client: ssh2.Client;
  readonly negotiated: Record<string, unknown>;
  readonly hostKeySeen: Buffer;
  readonly hostCertBlob: Buffer;
  readonly signedLogin: PublicKeyAuthContext;
  readonly userCertBlob: Buffer;
}

/**
 * A bare ssh2 server with a host certificate and a bare ssh2 client with a user certificate,
 * logged in. The server accepts any signed publickey login (it only records it).
 */
async function connectPair(options: {
  hostKeyType?: SshKeyType;
  serverHostKeyAlgorithms?: readonly string[];
  userKeyType?: SshKeyType;
  onClient?: (client: ssh2.Client) => void;
}): Promise<Pair> {
  const ca = makeKey('ed25519');
  const hostKey = makeKey(options.hostKeyType ?? 'ed25519');
  const hostCert = parseSshCertificate(
    issueHostCert(ca, hostKey, { keyId: 'relay-server', principals: ['relay.test:2222'] }),
  );
  const userKey = makeKey(options.userKeyType ?? 'ed25519');
  const userCert = parseSshCertificate(
    issueUserCert(ca, userKey, { keyId: 'client-relay-1', principals: ['gw'] }),
  );
  const hostKeys = hostCertificateKeys(loadSshPrivateKey(hostKey.privateKey, 'host'), hostCert);

  let signedLogin: PublicKeyAuthContext | undefined;
  const serverReady = new Promise<Connection>((resolve) => {
    const server = new ssh2.Server(
      {
        hostKeys: hostKeys.map((key) => ({ key })),
        algorithms: sshAlgorithms(hostKeys.map((key) => key.type)),
      },
      (conn) => {
        cleanups.push(() => {
          conn.end();
        });
        conn.on('error', () => {});
        conn.on('authentication', (ctx) => {
          if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
          if (ctx.signature !== undefined) signedLogin = ctx;
          ctx.accept();
        });
        conn.on('ready', () => resolve(conn));
      },
    );
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
      connectClient(port);
    });
  });

  let hostKeySeen: Buffer | undefined;
  let negotiated: Record<string, unknown> = {};
  const client = new ssh2.Client();
  cleanups.push(() => {
    client.destroy();
  });
  options.onClient?.(client);
  client.on('error', () => {});
  client.on('handshake', (n) => (negotiated = n as unknown as Record<string, unknown>));
  const clientReady = once(client, 'ready', 10_000);
  function connectClient(port: number): void {
    client.connect({
      host: '127.0.0.1',
      port,
      username: 'gw',
      hostVerifier: (key: Buffer) => {
        hostKeySeen = Buffer.from(key);
        return true;
      },
      algorithms: sshAlgorithms(options.serverHostKeyAlgorithms ?? HOST_CERTIFICATE_ALGORITHMS),
      authHandler: singleAttemptAuthHandler(
        'gw',
        createUserCertificateKey(loadSshPrivateKey(userKey.privateKey, 'user'), userCert),
      ),
    });
  }
  const serverConn = await withTimeout(serverReady, 10_000, 'server login');
  await clientReady;
  return {
    serverConn,
    client,
    negotiated,
    hostKeySeen: hostKeySeen as Buffer,
    hostCertBlob: hostCert.blob,
    signedLogin: signedLogin as PublicKeyAuthContext,
    userCertBlob: userCert.blob,
  };
}

describe('patches/ssh2@1.17.0.patch', () => {
  it('constants.js: ssh2 knows the certificate key algorithms (CERT_KEY_ALGOS)', () => {
    expect(() => assertSsh2Patched()).not.toThrow();
    const constants = require('ssh2/lib/protocol/constants.js') as {
      CERT_KEY_ALGOS: Record<string, unknown>;
      SUPPORTED_SERVER_HOST_KEY: string[];
    };
    for (const algorithm of HOST_CERTIFICATE_ALGORITHMS) {
      expect(constants.SUPPORTED_SERVER_HOST_KEY).toContain(algorithm);
    }
    expect(constants.CERT_KEY_ALGOS['rsa-sha2-512-cert-v01@openssh.com']).toEqual({
      blobType: 'ssh-rsa-cert-v01@openssh.com',
      keyType: 'ssh-rsa',
      sigType: 'rsa-sha2-512',
      hashAlgo: 'sha512',
    });
    // Certificates are opt-in: not in ssh2's default host key list.
    const defaults = (
      require('ssh2/lib/protocol/constants.js') as { DEFAULT_SERVER_HOST_KEY: string[] }
    ).DEFAULT_SERVER_HOST_KEY;
    expect(defaults.some((name) => name.includes('-cert-'))).toBe(false);
  });

  it.each([
    ['ed25519', 'ssh-ed25519-cert-v01@openssh.com'],
    ['ecdsa-p256', 'ecdsa-sha2-nistp256-cert-v01@openssh.com'],
    ['rsa-2048', 'rsa-sha2-512-cert-v01@openssh.com'],
    ['rsa-2048', 'rsa-sha2-256-cert-v01@openssh.com'],
  ] as const)(
    'kex.js: a %s host certificate is negotiated as %s, sent as K_S and verified',
    async (hostKeyType, algorithm) => {
      const pair = await connectPair({ hostKeyType, serverHostKeyAlgorithms: [algorithm] });
      expect(pair.negotiated.serverHostKey).toBe(algorithm);
      expect(pair.hostKeySeen.equals(pair.hostCertBlob)).toBe(true);
    },
  );

  it.each([
    ['ed25519', 'ssh-ed25519'],
    ['ecdsa-p256', 'ecdsa-sha2-nistp256'],
    ['rsa-2048', 'rsa-sha2-512'],
  ] as const)(
    'Protocol.js authPK: a %s user certificate signature is labelled %s (and ECDSA is mpint r, s)',
    async (userKeyType, label) => {
      const pair = await connectPair({ userKeyType });
      const login = pair.signedLogin;
      expect(login.key.data.equals(pair.userCertBlob)).toBe(true);
      // Stock ssh2 labels it with the certificate algorithm, which ssh2's server then strips:
      // the signature would arrive raw and this parse would fail.
      expect(parseSshSignature(login.signature as Buffer).algorithm).toBe(label);
      const cert = parseSshCertificate(pair.userCertBlob);
      expect(() =>
        verifySshSignature(cert.publicKeyBlob, login.blob as Buffer, login.signature as Buffer),
      ).not.toThrow();
    },
  );

  it('server.js + Protocol.js directTcpipNoPayload, handlers.misc.js + client.js: the client accepts a server-opened direct-tcpip with an empty payload', async () => {
    const infos: object[] = [];
    const pair = await connectPair({
      onClient: (client) => {
        const emitter: NodeJS.EventEmitter = client;
        emitter.on('direct-tcpip', (info: object) => infos.push(info));
        acceptDirectTcpipChannels(client, (channel) => channel.pipe(channel));
      },
    });
    const channel = await withTimeout(openDirectTcpipChannel(pair.serverConn), 5_000, 'open');
    // Empty payload: a non-empty one would have been parsed into destIP/destPort/srcIP/srcPort.
    expect(infos).toEqual([{}]);
    const echoed = new Promise<string>((resolve) => {
      let text = '';
      channel.on('data', (chunk: Buffer) => (text += chunk.toString()));
      channel.on('end', () => resolve(text));
    });
    channel.end('ping');
    expect(await withTimeout(echoed, 5_000, 'echo')).toBe('ping');
  });

  it('client.js: without a direct-tcpip listener the channel is refused as an unknown type', async () => {
    const pair = await connectPair({});
    const error = (await openDirectTcpipChannel(pair.serverConn).then(
      (channel: Duplex) => {
        channel.destroy();
        return new Error('channel unexpectedly accepted');
      },
      (e: unknown) => e,
    )) as Error & { reason?: number };
    expect(error.message).toMatch(/Channel open failure/);
    expect(error.reason).toBe(3); // SSH_OPEN_UNKNOWN_CHANNEL_TYPE
  });
});
