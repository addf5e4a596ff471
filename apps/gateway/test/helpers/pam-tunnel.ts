/**
 * What `burrow pam access` does, minus the relay: a local TCP listener whose every connection
 * becomes its own inner TLS session (ALPN infisical-pam-proxy, the session's PAM certificate)
 * to the gateway's InnerTlsServer, with bytes copied both ways. psql and the pg driver connect to
 * it like to a database. Everything the caller sent and received is kept for the tests.
 */
import net from 'node:net';
import type tls from 'node:tls';
import type { IssuedCertificate } from '@burrow/pki';
import type { InnerTlsServer } from '../../src/tunnel/inner-tls-server.ts';
import { createChannelPair } from './channel-pair.ts';
import { connectCaller } from './inner-tls-client.ts';

export interface PamTunnel {
  readonly port: number;
  /** Plaintext the gateway sent to callers, all connections. */
  readonly fromGateway: Buffer[];
  /** Plaintext the callers sent to the gateway. */
  readonly toGateway: Buffer[];
  close(): Promise<void>;
}

export function openPamTunnel(
  server: InnerTlsServer,
  serverCertificateChain: string,
  certificate: IssuedCertificate,
  alpn: string,
): Promise<PamTunnel> {
  return openTunnel(
    async () => {
      const { channel, caller } = await createChannelPair();
      server.handleChannel(channel);
      return caller;
    },
    serverCertificateChain,
    certificate,
    alpn,
  );
}

/**
 * The same, to a gateway in another process whose loopback `port` takes one relay channel per
 * TCP connection (test/pam/ssh/support/ssh-gateway-process.ts).
 */
export function openPamTunnelToPort(
  port: number,
  serverCertificateChain: string,
  certificate: IssuedCertificate,
  alpn: string,
): Promise<PamTunnel> {
  return openTunnel(
    () =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      }),
    serverCertificateChain,
    certificate,
    alpn,
  );
}

async function openTunnel(
  openChannel: () => Promise<net.Socket>,
  serverCertificateChain: string,
  certificate: IssuedCertificate,
  alpn: string,
): Promise<PamTunnel> {
  const fromGateway: Buffer[] = [];
  const toGateway: Buffer[] = [];
  const open = new Set<net.Socket | tls.TLSSocket>();
  const listener = net.createServer((local) => {
    open.add(local);
    local.once('close', () => open.delete(local));
    local.on('error', () => undefined);
    local.pause();
    void (async () => {
      let caller: net.Socket;
      try {
        caller = await openChannel();
      } catch {
        local.destroy();
        return;
      }
      const secure = connectCaller(caller, {
        serverCertificateChain,
        certificate,
        alpn: [alpn],
      });
      open.add(secure);
      secure.once('close', () => {
        open.delete(secure);
        local.destroy();
      });
      secure.on('error', () => local.destroy());
      secure.once('secureConnect', () => {
        secure.on('data', (chunk: Buffer) => {
          fromGateway.push(chunk);
          local.write(chunk);
        });
        secure.once('end', () => local.end());
        local.on('data', (chunk: Buffer) => {
          toGateway.push(chunk);
          secure.write(chunk);
        });
        local.once('end', () => secure.end());
        local.once('close', () => secure.destroy());
        local.resume();
      });
    })();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return {
    port: (listener.address() as net.AddressInfo).port,
    fromGateway,
    toGateway,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

/**
 * One inner TLS session with `alpn` that sends nothing and collects what the gateway writes until
 * it closes (capabilities, cancellation).
 */
export async function callOnce(
  server: InnerTlsServer,
  serverCertificateChain: string,
  certificate: IssuedCertificate,
  alpn: string,
): Promise<Buffer> {
  const { channel, caller } = await createChannelPair();
  server.handleChannel(channel);
  const secure = connectCaller(caller, { serverCertificateChain, certificate, alpn: [alpn] });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    secure.on('data', (chunk: Buffer) => chunks.push(chunk));
    secure.on('end', () => secure.end());
    secure.on('error', reject);
    secure.on('close', () => resolve(Buffer.concat(chunks)));
  });
}
