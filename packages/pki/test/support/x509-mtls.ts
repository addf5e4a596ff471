/**
 * Runs one real mutual-TLS handshake over loopback between a node:tls server and client, and
 * reports what each side saw. The server answers "ok" to an authorized client; success means the
 * client read that reply. Every server and socket is closed before the promise settles.
 *
 * Under TLS 1.3 the client finishes its side of the handshake before the server has checked the
 * client certificate, so a rejected client may see `secureConnect` and then an alert or a close:
 * failure is "no reply, and the server saw no authorized connection".
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';

/** Key, certificate and trusted CAs of one side. */
export interface TlsSide {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

/** What happened. */
export interface MtlsOutcome {
  /** The client got the server's reply. */
  readonly ok: boolean;
  /** DER of the client certificate of each connection the server authorized. */
  readonly authorizedPeers: Buffer[];
  /** Errors the server reported for failed handshakes. */
  readonly serverErrors: Error[];
  readonly clientError: Error | undefined;
  readonly protocol: string | null;
  /** Value returned by `inspectPeer` on the server side, for authorized connections. */
  readonly inspected: unknown[];
}

/**
 * Performs the handshake. `servername` is the SNI/hostname to check (omit to check `127.0.0.1`).
 *
 * @example
 *   const outcome = await mutualTlsHandshake({ server, client, servername: 'localhost' });
 *   expect(outcome.ok).toBe(true);
 */
export async function mutualTlsHandshake(options: {
  server: TlsSide;
  client: TlsSide;
  servername?: string;
  inspectPeer?: (peerDer: Buffer) => unknown;
}): Promise<MtlsOutcome> {
  const authorizedPeers: Buffer[] = [];
  const serverErrors: Error[] = [];
  const inspected: unknown[] = [];
  const serverSockets = new Set<tls.TLSSocket>();
  let serverDone: () => void = () => {};
  const serverSettled = new Promise<void>((resolve) => (serverDone = resolve));

  const server = tls.createServer({
    key: options.server.key,
    cert: options.server.cert,
    ca: options.server.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
  });
  server.on('secureConnection', (socket) => {
    serverSockets.add(socket);
    socket.on('error', () => {});
    if (socket.authorized) {
      const raw = socket.getPeerCertificate().raw;
      authorizedPeers.push(raw);
      try {
        if (options.inspectPeer) inspected.push(options.inspectPeer(raw));
      } catch (error) {
        inspected.push(error);
      }
      socket.end('ok');
    } else {
      socket.destroy();
    }
    serverDone();
  });
  server.on('tlsClientError', (error) => {
    serverErrors.push(error);
    serverDone();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const client = tls.connect({
    host: '127.0.0.1',
    port,
    key: options.client.key,
    cert: options.client.cert,
    ca: options.client.ca,
    minVersion: 'TLSv1.3',
    ...(options.servername ? { servername: options.servername } : {}),
  });
  let received = '';
  let clientError: Error | undefined;
  let protocol: string | null = null;
  client.on('secureConnect', () => (protocol = client.getProtocol()));
  client.on('data', (chunk: Buffer) => (received += chunk.toString()));
  client.on('error', (error) => (clientError = error));
  // Not events.once(): it would reject on 'error', and a failed handshake is an expected outcome.
  const clientClosed = new Promise<void>((resolve) => client.on('close', () => resolve()));
  const timeout = setTimeout(() => client.destroy(new Error('handshake test timed out')), 5_000);
  try {
    await clientClosed;
    await Promise.race([serverSettled, new Promise((resolve) => setTimeout(resolve, 1_000))]);
  } finally {
    clearTimeout(timeout);
    client.destroy();
    for (const socket of serverSockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return {
    ok: received === 'ok',
    authorizedPeers,
    serverErrors,
    clientError,
    protocol,
    inspected,
  };
}
