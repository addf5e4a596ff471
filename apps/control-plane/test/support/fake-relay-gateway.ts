import net from 'node:net';
import tls from 'node:tls';
import { readBurrowExtensions, type BurrowExtensions } from '@burrow/pki';
import { HEARTBEAT_PROBE_GATEWAY_ID, healthReply, PING_REPLY } from '@burrow/tunnel-protocol';

/**
 * A stand-in for a relay and the gateway behind it, in one process, built only from the
 * certificates the control plane issued:
 *
 *   outer tls.Server on 127.0.0.1:<port>  (relay server cert, callers must chain to the relay
 *     client CA) → all-zero CN: close; else the decrypted stream is handed to
 *   inner tls.Server via emit('connection')  (gateway server cert, callers must chain to the
 *     gateway client CA, ALPN selects the action) → health / ping / tcp-proxy to the target
 *     named in extension …100.1; a target that refuses makes it close the tunnel.
 *
 * It records who connected, so tests can check the certificates the control plane presented.
 */
export interface SeenPeer {
  subject: Record<string, string | string[] | undefined>;
  extensions: BurrowExtensions;
  alpn?: string;
}

export interface PkiMaterial {
  serverCertificate: string;
  serverPrivateKey: string;
  clientCertificateChain: string;
}

export class FakeRelayGateway {
  readonly relayPeers: SeenPeer[] = [];
  readonly gatewayPeers: SeenPeer[] = [];
  readonly #outer: tls.Server;
  readonly #inner: tls.Server;
  readonly #sockets = new Set<net.Socket>();
  #port = 0;
  #gatewayDown = false;

  private constructor(alpn: string[]) {
    this.#outer = tls.createServer({ requestCert: true, rejectUnauthorized: true });
    this.#inner = tls.createServer({
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: alpn,
    });
    this.#outer.on('connection', (socket: net.Socket) => this.#track(socket));
    this.#outer.on('secureConnection', (socket) => this.#onRelayClient(socket));
    this.#inner.on('secureConnection', (socket) => this.#onGatewayClient(socket));
    this.#outer.on('tlsClientError', () => undefined);
    this.#inner.on('tlsClientError', () => undefined);
  }

  static async start(
    alpn = ['infisical-health', 'infisical-ping', 'infisical-tcp-proxy'],
  ): Promise<FakeRelayGateway> {
    const fake = new FakeRelayGateway(alpn);
    await new Promise<void>((resolve) => fake.#outer.listen(0, '127.0.0.1', resolve));
    fake.#port = (fake.#outer.address() as net.AddressInfo).port;
    return fake;
  }

  get port(): number {
    return this.#port;
  }

  useRelayCertificates(pki: PkiMaterial): void {
    this.#outer.setSecureContext(context(pki));
  }

  useGatewayCertificates(pki: PkiMaterial): void {
    this.#inner.setSecureContext(context(pki));
  }

  /** While down, the "relay" accepts callers but the gateway is gone: streams are closed. */
  setGatewayDown(down: boolean): void {
    this.#gatewayDown = down;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#outer.close(() => resolve()));
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  #onRelayClient(socket: tls.TLSSocket): void {
    const peer = socket.getPeerCertificate(true);
    const extensions = readBurrowExtensions(peer.raw);
    this.relayPeers.push({ subject: { ...peer.subject }, extensions });
    if (peer.subject.CN === HEARTBEAT_PROBE_GATEWAY_ID || this.#gatewayDown) {
      socket.end();
      return;
    }
    this.#inner.emit('connection', socket);
  }

  #onGatewayClient(socket: tls.TLSSocket): void {
    const peer = socket.getPeerCertificate(true);
    const extensions = readBurrowExtensions(peer.raw);
    const alpn = socket.alpnProtocol || '';
    this.gatewayPeers.push({ subject: { ...peer.subject }, extensions, alpn });
    if (alpn === 'infisical-health') socket.end(healthReply());
    else if (alpn === 'infisical-ping') socket.end(PING_REPLY);
    else if (alpn === 'infisical-tcp-proxy' && extensions.routing) {
      const { targetHost, targetPort } = extensions.routing;
      const target = net.connect({ host: targetHost, port: targetPort });
      this.#track(target);
      target.once('error', () => socket.end());
      target.once('connect', () => {
        target.pipe(socket);
        socket.pipe(target);
        target.once('close', () => socket.end());
        socket.once('close', () => target.end());
      });
    } else socket.destroy();
  }
}

function context(pki: PkiMaterial): tls.SecureContextOptions {
  return { key: pki.serverPrivateKey, cert: pki.serverCertificate, ca: pki.clientCertificateChain };
}
