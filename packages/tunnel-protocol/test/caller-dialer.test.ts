import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  clientCertificateChainPem,
  createIntermediateCa,
  createRootCa,
  issueGatewayPlatformClientCertificate,
  issueGatewayServerCertificate,
  issueRelayClientCertificate,
  issueRelayServerCertificate,
  serverCertificateChainPem,
  type CertificateAuthority,
} from '@burrow/pki';
import {
  ALPN,
  dialGateway,
  DialError,
  GatewayIdentityError,
  HandshakeSlots,
  type DialGatewayOptions,
  type DialStage,
  type TlsSessionStore,
} from '../src/index.ts';

/**
 * A stand-in for relay + gateway in one process: the outer TLS server (relay) hands each
 * authenticated stream to an inner tls.Server (gateway) that echoes after the mTLS handshake —
 * or, for the pinning tests, to an impostor holding a genuine certificate of another gateway (or a
 * reference-shaped one naming none), which records every byte it receives.
 */
const orgId = 'org-1';
const gatewayId = '5b3e3a1c-0d2f-4a51-9c9b-0123456789ab';
let relayServer: tls.Server;
let gatewayServer: tls.Server;
/** Where the relay sends the next stream (the real gateway unless a test says otherwise). */
let route: () => tls.Server;
let options: DialGatewayOptions;
let gatewayServerCa: CertificateAuthority;
let gatewayClientCa: CertificateAuthority;
let otherRoot: CertificateAuthority;
let relayClientCa: CertificateAuthority;

async function issuer(root: CertificateAuthority, cn: string): Promise<CertificateAuthority> {
  return createIntermediateCa({ issuer: root, subject: { O: orgId, CN: cn }, pathLength: 0 });
}

beforeAll(async () => {
  const relayRoot = await createRootCa({ subject: { CN: 'relay root' } });
  const gatewayRoot = await createRootCa({ subject: { O: orgId, CN: 'Gateway Root CA' } });
  otherRoot = await createRootCa({ subject: { CN: 'relay root' } });
  const relayServerCa = await issuer(relayRoot, 'Relay Server CA');
  relayClientCa = await issuer(relayRoot, 'Relay Client CA');
  gatewayServerCa = await issuer(gatewayRoot, 'Gateway Server CA');
  gatewayClientCa = await issuer(gatewayRoot, 'Gateway Client CA');

  const relayCert = await issueRelayServerCertificate({ issuer: relayServerCa, host: '127.0.0.1' });
  const gatewayCert = await issueGatewayServerCertificate({
    issuer: gatewayServerCa,
    orgId,
    gatewayId,
  });
  gatewayServer = tls.createServer(
    {
      cert: gatewayCert.certificatePem,
      key: gatewayCert.privateKeyPem,
      ca: clientCertificateChainPem(gatewayClientCa),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: [ALPN.tcpProxy, ALPN.ping],
    },
    (socket) => socket.pipe(socket),
  );
  gatewayServer.on('tlsClientError', () => undefined);
  route = () => gatewayServer;
  relayServer = tls.createServer(
    {
      cert: relayCert.certificatePem,
      key: relayCert.privateKeyPem,
      ca: clientCertificateChainPem(relayClientCa),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => route().emit('connection', socket),
  );
  relayServer.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => relayServer.listen(0, '127.0.0.1', resolve));

  const relayClient = await issueRelayClientCertificate({
    issuer: relayClientCa,
    orgId,
    orgName: 'org',
    gatewayId,
    gatewayName: 'gw',
  });
  const gatewayClient = await issueGatewayPlatformClientCertificate({
    issuer: gatewayClientCa,
    orgId,
    gatewayId,
    targetHost: '127.0.0.1',
    targetPort: 5432,
  });
  options = {
    relayHost: '127.0.0.1',
    relayPort: (relayServer.address() as net.AddressInfo).port,
    relay: {
      certificate: relayClient.certificatePem,
      privateKey: relayClient.privateKeyPem,
      serverCertificateChain: serverCertificateChainPem(relayServerCa),
    },
    gateway: {
      certificate: gatewayClient.certificatePem,
      privateKey: gatewayClient.privateKeyPem,
      serverCertificateChain: serverCertificateChainPem(gatewayServerCa),
    },
    alpn: ALPN.tcpProxy,
  };
});

afterAll(() => new Promise<void>((resolve) => relayServer.close(() => resolve())));

function stageOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof DialError ? error.stage : `untyped: ${String(error)}`),
  );
}

/** A certificate issued ten minutes ago for five minutes: expired. */
const EXPIRED = { now: new Date(Date.now() - 10 * 60_000), lifetimeMs: 5 * 60_000 };

/**
 * `options` with new client certificates (as new connection details bring) for the hops named,
 * for the same gateway; `validity` as @burrow/pki takes it (default: valid now).
 */
async function withNewClientCertificates(
  hops: readonly ('relay' | 'gateway')[],
  validity: { now?: Date; lifetimeMs?: number } = {},
): Promise<DialGatewayOptions> {
  const renewed = { ...options };
  if (hops.includes('relay')) {
    const issued = await issueRelayClientCertificate({
      issuer: relayClientCa,
      orgId,
      orgName: 'org',
      gatewayId,
      gatewayName: 'gw',
      ...validity,
    });
    renewed.relay = {
      ...options.relay,
      certificate: issued.certificatePem,
      privateKey: issued.privateKeyPem,
    };
  }
  if (hops.includes('gateway')) {
    const issued = await issueGatewayPlatformClientCertificate({
      issuer: gatewayClientCa,
      orgId,
      gatewayId,
      targetHost: '127.0.0.1',
      targetPort: 5432,
      ...validity,
    });
    renewed.gateway = {
      ...options.gateway,
      certificate: issued.certificatePem,
      privateKey: issued.privateKeyPem,
    };
  }
  return renewed;
}

/** What `promise` rejected with (undefined when it resolved). */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('dialGateway', () => {
  it('completes relay TLS and inner mTLS with the requested ALPN and carries data', async () => {
    const socket = await dialGateway(options);
    expect(socket.alpnProtocol).toBe(ALPN.tcpProxy);
    const echoed = await new Promise<string>((resolve) => {
      socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      socket.write('through both layers');
    });
    expect(echoed).toBe('through both layers');
    socket.destroy();
  });

  it('resumes both TLS sessions with a session store, and the gateway still sees the certificate', async () => {
    const sessions: TlsSessionStore = {};
    const echo = async (): Promise<tls.TLSSocket> => {
      const socket = await dialGateway({ ...options, sessions });
      await new Promise<void>((resolve) => {
        socket.once('data', () => resolve());
        socket.write('x');
      });
      return socket;
    };
    const first = await echo();
    expect(first.isSessionReused()).toBe(false);
    first.destroy();
    expect(sessions.relay).toBeInstanceOf(Buffer);
    expect(sessions.gateway).toBeInstanceOf(Buffer);
    const peers: string[] = [];
    const onSecure = (socket: tls.TLSSocket): void => {
      peers.push(String(socket.getPeerCertificate().subject?.CN));
    };
    gatewayServer.on('secureConnection', onSecure);
    const second = await echo();
    gatewayServer.off('secureConnection', onSecure);
    expect(second.isSessionReused()).toBe(true);
    expect(peers).toHaveLength(1);
    expect(peers[0]).not.toBe('undefined');
    second.destroy();
  });

  it('offers a ticket only with the client certificate it was obtained with (new connection details: full handshakes)', async () => {
    const sessions: TlsSessionStore = {};
    const echo = async (dialOptions: DialGatewayOptions): Promise<tls.TLSSocket> => {
      const socket = await dialGateway({ ...dialOptions, sessions });
      await new Promise<void>((resolve) => {
        socket.once('data', () => resolve());
        socket.write('x');
      });
      return socket;
    };
    (await echo(options)).destroy();
    expect(sessions.relay).toBeInstanceOf(Buffer);
    // New connection details: other relay and gateway client certificates for the same gateway.
    const renewed = await withNewClientCertificates(['relay', 'gateway']);
    const presented: { relay: string[]; gateway: string[] } = { relay: [], gateway: [] };
    const onRelay = (socket: tls.TLSSocket): void => {
      presented.relay.push(socket.getPeerX509Certificate()?.serialNumber ?? 'none');
    };
    const onGateway = (socket: tls.TLSSocket): void => {
      presented.gateway.push(socket.getPeerX509Certificate()?.serialNumber ?? 'none');
    };
    relayServer.on('secureConnection', onRelay);
    gatewayServer.on('secureConnection', onGateway);
    const third = await echo(renewed);
    relayServer.off('secureConnection', onRelay);
    gatewayServer.off('secureConnection', onGateway);
    // Resuming the old tickets would have shown the servers the old certificates.
    expect(third.isSessionReused()).toBe(false);
    expect(presented.relay).toEqual([new X509Certificate(renewed.relay.certificate).serialNumber]);
    expect(presented.gateway).toEqual([
      new X509Certificate(renewed.gateway.certificate).serialNumber,
    ]);
    third.destroy();
    // The new tickets resume with the new certificates.
    const fourth = await echo(renewed);
    expect(fourth.isSessionReused()).toBe(true);
    fourth.destroy();
  });

  it('reports each stage as it ends, in order, and not a stage that failed', async () => {
    const done: DialStage[] = [];
    const times: number[] = [];
    const started = performance.now();
    const socket = await dialGateway({
      ...options,
      onStageDone: (stage, at) => {
        done.push(stage);
        times.push(at);
      },
    });
    const returned = performance.now();
    socket.destroy();
    expect(done).toEqual([
      'dial-slot',
      'relay-connect',
      'relay-tls',
      'gateway-tls',
      'gateway-identity',
    ]);
    const failed: DialStage[] = [];
    const error = await dialGateway({
      ...options,
      alpn: ALPN.health,
      onStageDone: (stage) => failed.push(stage),
    }).catch((e: unknown) => e);
    expect((error as DialError).stage).toBe('gateway-tls');
    expect(failed).toEqual(['dial-slot', 'relay-connect', 'relay-tls']);
    // When each ended: in order, within the dial.
    expect([started, ...times, returned]).toEqual(
      [started, ...times, returned].sort((a, b) => a - b),
    );
  });

  it('names the relay-connect stage when nothing listens', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await stageOf(dialGateway({ ...options, relayPort: port }))).toBe('relay-connect');
  });

  it('names the relay-tls stage when the relay is not signed by the trusted CA', async () => {
    const wrongChain = serverCertificateChainPem(otherRoot);
    expect(
      await stageOf(
        dialGateway({
          ...options,
          relay: { ...options.relay, serverCertificateChain: wrongChain },
        }),
      ),
    ).toBe('relay-tls');
  });

  it('names an expired relay client certificate before dialing, instead of a closed socket', async () => {
    // Under TLS 1.3 the relay would close the connection without a reason the caller sees.
    let connections = 0;
    const count = (): void => void connections++;
    relayServer.on('connection', count);
    const error = await rejection(dialGateway(await withNewClientCertificates(['relay'], EXPIRED)));
    expect(error).toBeInstanceOf(DialError);
    expect((error as DialError).stage).toBe('relay-tls');
    expect((error as DialError).message).toMatch(
      /relay client certificate expired at \d{4}-\d\d-\d\dT.*fetch new connection details/,
    );
    relayServer.off('connection', count);
    expect(connections).toBe(0);
  });

  it('names an expired gateway client certificate before dialing, instead of a stream that ends at once', async () => {
    const error = await rejection(
      dialGateway(await withNewClientCertificates(['gateway'], EXPIRED)),
    );
    expect(error).toBeInstanceOf(DialError);
    expect((error as DialError).stage).toBe('gateway-tls');
    expect((error as DialError).message).toMatch(
      /gateway client certificate expired at .*fetch new connection details/,
    );
  });

  it('trusts the chain it is given, not a context cached for other credentials', async () => {
    // The same certificate and key, first with the right chain (context cached), then with a
    // chain that did not sign the relay: the second dial must fail, then the first work again.
    const first = await dialGateway(options);
    first.destroy();
    const wrongChain = serverCertificateChainPem(otherRoot);
    const wrong = { ...options, relay: { ...options.relay, serverCertificateChain: wrongChain } };
    expect(await stageOf(dialGateway(wrong))).toBe('relay-tls');
    const again = await dialGateway({ ...options });
    again.destroy();
  });

  it('names the gateway-tls stage when the gateway serves none of the offered ALPNs', async () => {
    expect(await stageOf(dialGateway({ ...options, alpn: ALPN.health }))).toBe('gateway-tls');
  });

  it('times out a relay that accepts TCP but never answers the handshake', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const attempt = dialGateway({ ...options, relayPort: port, relayHandshakeTimeoutMs: 300 });
    await expect(attempt).rejects.toThrow(/timed out after 300 ms/);
    silent.close();
  });

  it("keeps to the whole dial's deadline: a second attempt gets what is left, not a fresh timeout", async () => {
    const silent = net.createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    const deadlineAt = started + 600;
    const first = dialGateway({ ...options, relayPort: port, deadlineAt });
    await expect(first).rejects.toThrow(/relay-tls: handshake timed out/);
    const second = dialGateway({ ...options, relayPort: port, deadlineAt });
    await expect(second).rejects.toThrow(/relay-tls: handshake timed out/);
    // Both attempts together: about the one deadline, far from two 5 s relay timeouts.
    expect(Date.now() - started).toBeLessThan(3_000);
    silent.close();
  });

  it('waits for a dial slot: a dial that gets none before its deadline fails at dial-slot, the next one gets the freed slot', async () => {
    const dialSlots = new HandshakeSlots({ limit: 1 });
    const held = await dialSlots.acquire(); // another dial of this process, under way
    const waiting = dialGateway({ ...options, dialSlots, deadlineAt: Date.now() + 200 });
    expect(await stageOf(waiting)).toBe('dial-slot');
    await expect(waiting).rejects.toThrow(/no handshake slot free within \d+ ms/);
    const next = dialGateway({ ...options, dialSlots });
    held();
    const socket = await next;
    expect(dialSlots.active).toBe(0); // the stream does not keep the slot, only the dial did
    socket.destroy();
  });
});

/** A gateway server holding `cert`, from the same org CA; records what callers send it. */
function startImpostor(cert: { certificatePem: string; privateKeyPem: string }) {
  const received: Buffer[] = [];
  let connections = 0;
  let closed = 0;
  let onClosed = (): void => undefined;
  const server = tls.createServer({
    cert: cert.certificatePem,
    key: cert.privateKeyPem,
    ca: clientCertificateChainPem(gatewayClientCa),
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: [ALPN.tcpProxy, ALPN.ping],
  });
  server.on('tlsClientError', () => undefined);
  server.on('connection', (socket: net.Socket) => {
    connections++;
    socket.once('close', () => {
      closed++;
      onClosed();
    });
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => undefined);
  });
  /** Resolves once every stream the impostor was handed has closed. */
  const allClosed = (): Promise<void> =>
    new Promise((resolve) => {
      onClosed = () => {
        if (closed === connections) resolve();
      };
      onClosed();
    });
  return { server, received, allClosed };
}

/** Dials with `payload` written only once dialGateway resolved; resolves with the error. */
async function dialAndWrite(dialOptions: DialGatewayOptions, payload: string): Promise<unknown> {
  try {
    const socket = await dialGateway(dialOptions);
    socket.write(payload);
    socket.destroy();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('gateway pinning', () => {
  afterEach(() => {
    route = () => gatewayServer;
  });

  it('refuses a gateway whose genuine certificate names another gateway; nothing is written to it', async () => {
    const other = '0e0e0e0e-1111-4222-8333-444455556666';
    const impostor = startImpostor(
      await issueGatewayServerCertificate({ issuer: gatewayServerCa, orgId, gatewayId: other }),
    );
    route = () => impostor.server;
    const sessions: TlsSessionStore = {};
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await dialAndWrite({ ...options, sessions }, 'SECRET PAYLOAD');
      expect(error).toBeInstanceOf(GatewayIdentityError);
      expect((error as GatewayIdentityError).stage).toBe('gateway-identity');
      expect((error as GatewayIdentityError).message).toContain(
        `expected gateway ${gatewayId}, the gateway presented ${other}`,
      );
    }
    // The impostor's tickets were never kept, so it can never be resumed as this gateway.
    expect(sessions.gateway).toBeUndefined();
    await impostor.allClosed();
    expect(Buffer.concat(impostor.received).length).toBe(0);
  });

  it('offers a gateway ticket only to the gateway it was verified for', async () => {
    const sessions: TlsSessionStore = {};
    const first = await dialGateway({ ...options, sessions });
    await new Promise<void>((resolve) => {
      first.once('data', () => resolve());
      first.write('x');
    });
    first.destroy();
    expect(sessions.gateway).toBeInstanceOf(Buffer);
    expect(sessions.gatewayId).toBe(gatewayId);
    // The same store, dialing for another gateway: no resumption, a full check, refused.
    const error = await dialAndWrite({ ...options, sessions, gatewayId: 'g2' }, 'x');
    expect(error).toBeInstanceOf(GatewayIdentityError);
    expect((error as GatewayIdentityError).presented).toEqual([gatewayId]);
    expect(sessions.gatewayId).toBe(gatewayId);
  });

  it('refuses a gateway certificate that names no gateway (reference-shaped, SAN localhost only)', async () => {
    // Signed by the gateway server CA, SAN DNS localhost, no gateway URI: what a reference
    // gateway's certificate looks like to the dialer.
    const referenceShaped = await issueRelayServerCertificate({
      issuer: gatewayServerCa,
      host: 'localhost',
    });
    const impostor = startImpostor(referenceShaped);
    route = () => impostor.server;
    const error = await dialAndWrite(options, 'SECRET PAYLOAD');
    expect(error).toBeInstanceOf(GatewayIdentityError);
    expect((error as Error).message).toContain('the gateway presented no gateway identity');
    await impostor.allClosed();
    expect(Buffer.concat(impostor.received).length).toBe(0);
  });

  it('pins the gateway ID given explicitly, over the relay certificate CN', async () => {
    const error = await dialAndWrite({ ...options, gatewayId: 'someone-else' }, 'x');
    expect(error).toBeInstanceOf(GatewayIdentityError);
    expect((error as GatewayIdentityError).expected).toBe('someone-else');
    expect((error as GatewayIdentityError).presented).toEqual([gatewayId]);
    expect(await dialAndWrite({ ...options, gatewayId }, 'x')).toBeUndefined();
  });
});
