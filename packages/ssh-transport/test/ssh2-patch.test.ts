/**
 * One test per change in patches/ssh2@1.17.0.patch, each failing if the change is lost. They drive
 * bare ssh2 servers and clients (not the relay/gateway wrappers) so that each isolates one change.
 * The OpenSSH interop tests (openssh-interop.test.ts) judge the same changes independently.
 */
import nodeCrypto from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
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
  CHANNEL_MAX_PACKET_SIZE,
  CHANNEL_WINDOW,
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

  // --- larger packets and windows, write coalescing, pooled padding (bench/README.md levers) ---

  /** The window and packet size each end of a channel advertised and was told. */
  function limitsOf(channel: Duplex): { incoming: ChannelSide; outgoing: ChannelSide } {
    return channel as unknown as { incoming: ChannelSide; outgoing: ChannelSide };
  }
  interface ChannelSide {
    window: number;
    packetSize: number;
  }

  /**
   * Reads `length` bytes from a channel (or to its end), recording the size of every chunk (one per
   * CHANNEL_DATA). The relay side must not end() first: ssh2 closes a server-side channel when
   * its writable side finishes, which would cut the echo short.
   */
  function collect(
    channel: Duplex,
    length = Infinity,
  ): Promise<{ data: Buffer; chunkSizes: number[] }> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let received = 0;
      const done = (): void =>
        resolve({ data: Buffer.concat(chunks), chunkSizes: chunks.map((c) => c.length) });
      channel.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= length) done();
      });
      channel.on('end', done);
    });
  }

  /** A relay-like server and a gateway-like client whose channel echoes into `onChannel`. */
  async function openBurrowChannel(
    onChannel: (channel: Duplex) => void,
    accept: 'burrow' | 'stock' = 'burrow',
  ): Promise<Duplex> {
    const pair = await connectPair({
      onClient: (client) => {
        if (accept === 'burrow') {
          acceptDirectTcpipChannels(client, onChannel);
          return;
        }
        // A peer that advertises ssh2's defaults (32 KiB packets, 2 MiB window), like OpenSSH/Go.
        const emitter: NodeJS.EventEmitter = client;
        emitter.on('direct-tcpip', (_info: object, acceptChannel: () => Duplex) =>
          onChannel(acceptChannel()),
        );
      },
    });
    return withTimeout(openDirectTcpipChannel(pair.serverConn), 5_000, 'open');
  }

  it('server.js, client.js, Channel.js: both ends advertise the per-channel window and 255 KiB max packet', async () => {
    let gatewaySide: Duplex | undefined;
    const relaySide = await openBurrowChannel((channel) => {
      gatewaySide = channel;
      channel.pipe(channel);
    });
    // Stock ssh2 advertises 2 MiB / 32 KiB on both sides whatever the caller asks.
    expect(limitsOf(relaySide).incoming).toMatchObject({
      window: CHANNEL_WINDOW,
      packetSize: CHANNEL_MAX_PACKET_SIZE,
    });
    expect(limitsOf(relaySide).outgoing.packetSize).toBe(CHANNEL_MAX_PACKET_SIZE);
    expect(limitsOf(relaySide).outgoing.window).toBe(CHANNEL_WINDOW);
    expect(limitsOf(gatewaySide as Duplex).outgoing.packetSize).toBe(CHANNEL_MAX_PACKET_SIZE);
    expect(limitsOf(gatewaySide as Duplex).incoming.window).toBe(CHANNEL_WINDOW);
    relaySide.end();
  });

  it('crypto.js: 255 KiB packets (above the 35000-byte RFC minimum) are sent and parsed, both ways', async () => {
    const relaySide = await openBurrowChannel((channel) => channel.pipe(channel));
    const payload = nodeCrypto.randomBytes(4 * 1024 * 1024);
    const echoed = collect(relaySide, payload.length);
    relaySide.write(payload); // one write: no coalescing needed
    const { data, chunkSizes } = await withTimeout(echoed, 10_000, 'echo');
    expect(data.equals(payload)).toBe(true);
    // Stock ssh2 refuses packet_length > 35000 ("Bad packet length") and drops the connection.
    expect(Math.max(...chunkSizes)).toBe(CHANNEL_MAX_PACKET_SIZE);
  });

  it('Channel.js write/_writev + Protocol.js channelDataPieces: 16 KiB writes of one tick share packets, bytes intact', async () => {
    const relaySide = await openBurrowChannel((channel) => channel.pipe(channel));
    const pieces = Array.from({ length: 256 }, () => nodeCrypto.randomBytes(16 * 1024));
    const echoed = collect(relaySide, 256 * 16 * 1024);
    for (const piece of pieces) relaySide.write(piece); // like a socket read's TLS records
    const { data, chunkSizes } = await withTimeout(echoed, 10_000, 'echo');
    expect(data.equals(Buffer.concat(pieces))).toBe(true);
    // Without coalescing every 16 KiB write is its own CHANNEL_DATA.
    expect(Math.max(...chunkSizes)).toBe(CHANNEL_MAX_PACKET_SIZE);
  });

  it('Channel.js _writev: coalesced writes that outrun a small window wait for it, in order', async () => {
    let gatewaySide: Duplex | undefined;
    const pair = await connectPair({
      onClient: (client) => {
        const emitter: NodeJS.EventEmitter = client;
        emitter.on(
          'direct-tcpip',
          (_info: object, accept: (limits: { window: number; packetSize: number }) => Duplex) => {
            gatewaySide = accept({ window: 100_000, packetSize: 40_000 });
          },
        );
      },
    });
    const relaySide = await withTimeout(openDirectTcpipChannel(pair.serverConn), 5_000, 'open');
    const received = collect(gatewaySide as Duplex);
    const pieces = Array.from({ length: 200 }, (_, i) => Buffer.alloc(10_000 + i, i));
    for (const piece of pieces) relaySide.write(piece);
    relaySide.end();
    const { data, chunkSizes } = await withTimeout(received, 10_000, 'transfer');
    expect(data.equals(Buffer.concat(pieces))).toBe(true);
    expect(Math.max(...chunkSizes)).toBe(40_000); // the peer's max packet, never more
  });

  it('Channel.js: a peer advertising 32 KiB packets (OpenSSH, Go) gets at most 32 KiB packets', async () => {
    let gatewaySide: Duplex | undefined;
    const relaySide = await openBurrowChannel((channel) => {
      gatewaySide = channel;
    }, 'stock');
    expect(limitsOf(relaySide).outgoing.packetSize).toBe(32 * 1024);
    const received = collect(gatewaySide as Duplex);
    const payload = nodeCrypto.randomBytes(1024 * 1024);
    relaySide.end(payload);
    const { data, chunkSizes } = await withTimeout(received, 10_000, 'transfer');
    expect(data.equals(payload)).toBe(true);
    expect(Math.max(...chunkSizes)).toBe(32 * 1024);
  });

  it('crypto.js: packet padding comes from a pooled random buffer, not one randomFillSync per packet', () => {
    // A fresh copy of crypto.js (isolated module registry) that sees a counting randomFillSync.
    const original = nodeCrypto.randomFillSync;
    let calls = 0;
    nodeCrypto.randomFillSync = ((...args: Parameters<typeof original>) => {
      calls += 1;
      return original(...args);
    }) as typeof original;
    try {
      let fresh:
        | {
            CIPHER_INFO: Record<string, unknown>;
            createCipher(config: object): { allocPacket(payloadLen: number): Buffer };
          }
        | undefined;
      jest.isolateModules(() => {
        fresh = require('ssh2/lib/protocol/crypto.js') as typeof fresh;
      });
      if (fresh === undefined) throw new Error('crypto.js not loaded');
      const cipher = fresh.createCipher({
        outbound: {
          onWrite: () => undefined,
          cipherInfo: fresh.CIPHER_INFO['aes128-gcm@openssh.com'],
          cipherKey: nodeCrypto.randomBytes(16),
          cipherIV: nodeCrypto.randomBytes(12),
          seqno: 0,
        },
      });
      for (let i = 0; i < 1000; i += 1) cipher.allocPacket(1 + 4 + 4 + 100);
      expect(calls).toBeLessThan(5); // stock: 1000
    } finally {
      nodeCrypto.randomFillSync = original;
    }
  });

  it('crypto.js + Protocol.js + client.js/server.js: data packets are carved from slabs reused once the socket has taken them', () => {
    const { CIPHER_INFO, createCipher } = require('ssh2/lib/protocol/crypto.js') as {
      CIPHER_INFO: Record<string, unknown>;
      createCipher(config: object): {
        allocPacket(payloadLen: number): Buffer;
        encrypt(packet: Buffer): void;
      };
    };
    const written: Array<{ packet: Buffer; done: (() => void) | undefined }> = [];
    const cipher = createCipher({
      outbound: {
        onWrite: (packet: Buffer, done?: () => void) => written.push({ packet, done }),
        cipherInfo: CIPHER_INFO['aes128-gcm@openssh.com'],
        cipherKey: nodeCrypto.randomBytes(16),
        cipherIV: nodeCrypto.randomBytes(12),
        seqno: 0,
      },
    });
    const large = 1 + 4 + 4 + CHANNEL_MAX_PACKET_SIZE;
    // Packets in flight share slabs (four per 1 MiB slab) without overlapping; stock ssh2
    // allocates each on its own. (Earlier tests may have left the current slab partly used.)
    const inFlight = Array.from({ length: 5 }, () => cipher.allocPacket(large));
    expect(new Set(inFlight.map((packet) => packet.buffer)).size).toBeLessThanOrEqual(2);
    for (let i = 1; i < inFlight.length; i += 1) {
      const [previous, packet] = [inFlight[i - 1] as Buffer, inFlight[i] as Buffer];
      if (packet.buffer === previous.buffer) {
        expect(packet.byteOffset).toBeGreaterThanOrEqual(previous.byteOffset + previous.length);
      }
    }
    for (const packet of inFlight) cipher.encrypt(packet);
    // Stock ssh2 passes no write callback.
    expect(typeof written[0]?.done).toBe('function');
    for (const { done } of written) done?.();
    // Released as soon as written: 40 packets (10 MiB) come from at most two slabs (stock: 40
    // buffers); the partly used slab an earlier test left behind may be one of them.
    const buffers = new Set<ArrayBufferLike>();
    for (let i = 0; i < 40; i += 1) {
      const packet = cipher.allocPacket(large);
      buffers.add(packet.buffer);
      cipher.encrypt(packet);
      written.at(-1)?.done?.();
    }
    expect(buffers.size).toBeLessThanOrEqual(2);
    // Small packets (keepalives, window adjusts) are allocated as before, without a callback.
    cipher.encrypt(cipher.allocPacket(100));
    expect(written.at(-1)?.done).toBeUndefined();
  });
});
