/**
 * A malicious relay, as its operator could run it: it answers on the relay's TLS port with the
 * relay's own (genuine) server certificate, and instead of piping each caller's stream to the
 * gateway the caller asked for, terminates the inner TLS itself with a gateway certificate and key
 * it obtained legitimately for a gateway of its own (POST /api/v2/gateways). Every caller-side
 * check but gateway pinning passes: the outer certificate is the relay's, the inner one chains to
 * the organization's gateway server CA and names `localhost`.
 *
 * It writes nothing into a stream and records every byte it receives after the inner handshake:
 * the plaintext a caller would have handed it.
 */
import type net from 'node:net';
import tls from 'node:tls';

export interface TlsServerCredentials {
  serverCertificate: string;
  serverPrivateKey: string;
  /** The CAs the caller's certificate must chain to. */
  clientCertificateChain: string;
}

export interface ImpostorRelay {
  port: number;
  /** Plaintext received inside inner TLS sessions the impostor completed. */
  plaintext(): Buffer;
  /** Inner TLS handshakes the impostor completed (the caller's certificate checked). */
  readonly innerSessions: number;
  /** Resolves once the plaintext received holds `needle`; rejects after `timeoutMs`. */
  waitForPlaintext(needle: Buffer, timeoutMs: number): Promise<void>;
  /** Resolves once every connection the impostor accepted so far has closed. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

export async function startImpostorRelay(options: {
  port: number;
  relay: TlsServerCredentials;
  gateway: TlsServerCredentials;
}): Promise<ImpostorRelay> {
  const received: Buffer[] = [];
  let onReceived = (): void => undefined;
  const open = new Set<net.Socket>();
  let waiters: (() => void)[] = [];
  let innerSessions = 0;
  const track = (socket: net.Socket): void => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      if (open.size === 0) {
        for (const resolve of waiters) resolve();
        waiters = [];
      }
    });
  };

  const inner = tls.createServer({
    cert: options.gateway.serverCertificate,
    key: options.gateway.serverPrivateKey,
    ca: options.gateway.clientCertificateChain,
    requestCert: true,
    rejectUnauthorized: true,
    // Whatever action the caller asks for.
    ALPNCallback: ({ protocols }) => protocols[0],
  });
  inner.on('tlsClientError', () => undefined);
  inner.on('secureConnection', (socket: tls.TLSSocket) => {
    innerSessions++;
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      onReceived();
    });
    socket.on('error', () => undefined);
  });

  const outer = tls.createServer({
    cert: options.relay.serverCertificate,
    key: options.relay.serverPrivateKey,
    ca: options.relay.clientCertificateChain,
    requestCert: true,
    rejectUnauthorized: true,
  });
  outer.on('connection', track);
  outer.on('tlsClientError', () => undefined);
  outer.on('secureConnection', (socket: tls.TLSSocket) => {
    socket.on('error', () => undefined);
    inner.emit('connection', socket);
  });
  await new Promise<void>((resolve, reject) => {
    outer.once('error', reject);
    outer.listen(options.port, '127.0.0.1', () => resolve());
  });

  return {
    port: options.port,
    plaintext: () => Buffer.concat(received),
    get innerSessions() {
      return innerSessions;
    },
    waitForPlaintext: (needle, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the impostor did not receive the marker in ${timeoutMs} ms`)),
          timeoutMs,
        );
        onReceived = () => {
          if (!Buffer.concat(received).includes(needle)) return;
          clearTimeout(timer);
          onReceived = () => undefined;
          resolve();
        };
        onReceived();
      }),
    allClosed: () =>
      open.size === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        outer.close(() => resolve());
      }),
  };
}
