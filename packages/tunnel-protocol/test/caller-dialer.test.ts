import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
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
  type DialGatewayOptions,
  type TlsSessionStore,
} from '../src/index.ts';

/**
 * A stand-in for relay + gateway in one process: the outer TLS server (relay) hands each
 * authenticated stream to an inner tls.Server (gateway) that echoes after the mTLS handshake.
 */
const orgId = 'org-1';
const gatewayId = '5b3e3a1c-0d2f-4a51-9c9b-0123456789ab';
let relayServer: tls.Server;
let gatewayServer: tls.Server;
let options: DialGatewayOptions;
let otherRoot: CertificateAuthority;

async function issuer(root: CertificateAuthority, cn: string): Promise<CertificateAuthority> {
  return createIntermediateCa({ issuer: root, subject: { O: orgId, CN: cn }, pathLength: 0 });
}

beforeAll(async () => {
  const relayRoot = await createRootCa({ subject: { CN: 'relay root' } });
  const gatewayRoot = await createRootCa({ subject: { O: orgId, CN: 'Gateway Root CA' } });
  otherRoot = await createRootCa({ subject: { CN: 'relay root' } });
  const relayServerCa = await issuer(relayRoot, 'Relay Server CA');
  const relayClientCa = await issuer(relayRoot, 'Relay Client CA');
  const gatewayServerCa = await issuer(gatewayRoot, 'Gateway Server CA');
  const gatewayClientCa = await issuer(gatewayRoot, 'Gateway Client CA');

  const relayCert = await issueRelayServerCertificate({ issuer: relayServerCa, host: '127.0.0.1' });
  const gatewayCert = await issueGatewayServerCertificate({ issuer: gatewayServerCa, orgId });
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
  relayServer = tls.createServer(
    {
      cert: relayCert.certificatePem,
      key: relayCert.privateKeyPem,
      ca: clientCertificateChainPem(relayClientCa),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => gatewayServer.emit('connection', socket),
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
});
