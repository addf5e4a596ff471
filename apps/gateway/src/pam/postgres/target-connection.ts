/**
 * The gateway's connection to the PostgreSQL server of a PAM resource (reference §8.2, §8.3).
 *
 *   TCP connect host:port (deadline)
 *   -> SSLRequest (always)
 *   <- 'S': TLS. With sslEnabled the server is verified as the resource says
 *           (sslRejectUnauthorized, sslCertificate as the trust anchors, server name = host);
 *           without sslEnabled the gateway still encrypts but does not verify (libpq's "prefer")
 *   <- 'N': plaintext, unless sslEnabled: then the connection is refused (never downgrade)
 *   <- anything else, or bytes after 'S' before the TLS handshake: protocol error
 *
 * Used for the login connection and for forwarding CancelRequests.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { TARGET_CONNECT_TIMEOUT_MS } from '@burrow/tunnel-protocol';
import { SSL_REQUEST_CODE, encodeStartupPacket } from './wire-messages.ts';
import { MessageReader } from './message-reader.ts';

export interface PostgresTarget {
  readonly host: string;
  readonly port: number;
  readonly sslEnabled: boolean;
  readonly sslRejectUnauthorized: boolean;
  /** PEM trust anchors for the server certificate. */
  readonly sslCertificate?: string | undefined;
}

/** The target could not be reached or refused the transport; the message names host and port. */
export class TargetConnectionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TargetConnectionError';
  }
}

export interface TargetConnection {
  /** The server stream: the TLS socket when TLS is on, else the TCP socket. */
  readonly socket: Duplex;
  readonly tcp: net.Socket;
  readonly tls: boolean;
}

/**
 * Connects to the target and settles the transport. The returned socket is paused.
 *
 * @example
 *   const { socket } = await connectToTarget(target);
 */
export async function connectToTarget(
  target: PostgresTarget,
  connectTimeoutMs: number = TARGET_CONNECT_TIMEOUT_MS,
  signal?: AbortSignal,
): Promise<TargetConnection> {
  const where = `${target.host}:${target.port}`;
  const tcp = net.connect({ host: target.host, port: target.port });
  tcp.setNoDelay(true);
  const abort = (): void => {
    tcp.destroy(new Error('cancelled'));
  };
  signal?.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(
    () => tcp.destroy(new Error(`connect timed out after ${connectTimeoutMs} ms`)),
    connectTimeoutMs,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('connect', resolve);
      tcp.once('error', reject);
      tcp.once('close', () => reject(new Error('connection closed')));
    });
  } catch (error) {
    clearTimeout(timer);
    tcp.destroy();
    throw new TargetConnectionError(`the database at ${where} is unreachable: ${describe(error)}`, {
      cause: error,
    });
  }
  tcp.removeAllListeners('close');
  tcp.removeAllListeners('error');
  tcp.on('error', () => undefined); // errors surface through reads and 'close'
  try {
    const reader = new MessageReader(tcp);
    tcp.write(encodeStartupPacket(SSL_REQUEST_CODE));
    const answer = await reader.byte();
    const leftover = reader.release();
    if (answer === 0x4e /* N */) {
      if (target.sslEnabled) {
        throw new TargetConnectionError(
          `the database at ${where} does not accept TLS, but the resource requires it (sslEnabled)`,
        );
      }
      if (leftover.length > 0) tcp.unshift(leftover);
      return { socket: tcp, tcp, tls: false };
    }
    if (answer !== 0x53 /* S */) {
      throw new TargetConnectionError(`the database at ${where} answered SSLRequest with garbage`);
    }
    if (leftover.length > 0) {
      // Bytes before the TLS handshake would be read as if they came through TLS (CVE-2021-23222).
      throw new TargetConnectionError(
        `the database at ${where} sent unencrypted data after agreeing to TLS`,
      );
    }
    const secure = await startTls(tcp, target);
    return { socket: secure, tcp, tls: true };
  } catch (error) {
    tcp.destroy();
    if (error instanceof TargetConnectionError) throw error;
    throw new TargetConnectionError(`the database at ${where} failed: ${describe(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}

function startTls(tcp: net.Socket, target: PostgresTarget): Promise<tls.TLSSocket> {
  const verify = target.sslEnabled && target.sslRejectUnauthorized;
  const options: tls.ConnectionOptions = {
    socket: tcp,
    rejectUnauthorized: verify,
    ...(target.sslEnabled && target.sslCertificate ? { ca: target.sslCertificate } : {}),
    // SNI must not be an IP address; the identity check still uses the host.
    ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
    checkServerIdentity: (_host, certificate) =>
      verify ? tls.checkServerIdentity(target.host, certificate) : undefined,
  };
  return new Promise((resolve, reject) => {
    const socket = tls.connect(options);
    socket.once('secureConnect', () => {
      socket.removeListener('error', reject);
      socket.on('error', () => undefined);
      socket.pause();
      resolve(socket);
    });
    socket.once('error', (error: Error) =>
      reject(new Error(`TLS handshake failed: ${error.message}`)),
    );
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
