/**
 * The caller's side of the inner TLS session, as the control plane's dialer runs it
 * (SNI localhost, the gateway server chain as trust anchors, a client certificate, ALPN).
 */
import type net from 'node:net';
import tls from 'node:tls';

export interface CallerOptions {
  serverCertificateChain: string;
  certificate?: { certificatePem: string; privateKeyPem: string };
  alpn?: string[];
  maxVersion?: tls.SecureVersion;
  /** A TLS session (ticket) to resume. */
  session?: Buffer;
}

export function connectCaller(socket: net.Socket, options: CallerOptions): tls.TLSSocket {
  return tls.connect({
    socket,
    servername: 'localhost',
    ca: options.serverCertificateChain,
    ...(options.certificate
      ? { cert: options.certificate.certificatePem, key: options.certificate.privateKeyPem }
      : {}),
    ...(options.alpn ? { ALPNProtocols: options.alpn } : {}),
    minVersion: 'TLSv1.2',
    ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
    ...(options.session ? { session: options.session } : {}),
  });
}

export interface CallerOutcome {
  secure: boolean;
  alpn: string | false | null;
  data: Buffer;
  error: (Error & { code?: string }) | undefined;
}

/**
 * Optionally writes `send` (then ends), reads until the stream closes and reports what happened.
 * An EOF from the gateway is answered with end(), as a half-close-aware caller does.
 */
export function runCaller(socket: tls.TLSSocket, send?: Buffer): Promise<CallerOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let secure = false;
    let alpn: string | false | null = null;
    let error: (Error & { code?: string }) | undefined;
    socket.on('secureConnect', () => {
      secure = true;
      alpn = socket.alpnProtocol;
      if (send) socket.end(send);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', (e: Error & { code?: string }) => {
      error ??= e;
    });
    socket.on('close', () => resolve({ secure, alpn, data: Buffer.concat(chunks), error }));
  });
}
