/**
 * The openssh-openssl path's caller: outer TLS to the relay-side stunnel (client certificate
 * required), inner mutual TLS to the gateway-side stunnel over it. The same node:tls calls as
 * Burrow's dialGateway, so both paths have the same caller; with a session store both hops offer
 * the last ticket they were given (TLS session resumption).
 */
import fs from 'node:fs';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Dial } from './dial.ts';
import type { BenchCertificates } from './openssl-certificates.ts';

interface Sessions {
  outer?: Buffer;
  inner?: Buffer;
}

export function tlsInTlsDialer(
  port: number,
  certificates: BenchCertificates,
  resume: boolean,
): Dial {
  const ca = fs.readFileSync(certificates.caFile, 'utf8');
  const read = (file: string): string => fs.readFileSync(file, 'utf8');
  const outerOptions = {
    ca,
    cert: read(certificates.relayClient.cert),
    key: read(certificates.relayClient.key),
  };
  const innerOptions = {
    ca,
    cert: read(certificates.gatewayClient.cert),
    key: read(certificates.gatewayClient.key),
  };
  const sessions: Sessions = {};
  // Stages named as Burrow's dialGateway names them, for the setup timeline.
  return async (onStageDone): Promise<Duplex> => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ...outerOptions,
      ...(resume && sessions.outer ? { session: sessions.outer } : {}),
    });
    socket.once('connect', () => onStageDone?.('relay-connect', performance.now()));
    const outer = await secure(
      socket,
      resume ? (session) => (sessions.outer = session) : undefined,
    );
    onStageDone?.('relay-tls', performance.now());
    outer.setNoDelay(true);
    const inner = await secure(
      tls.connect({
        socket: outer,
        servername: 'localhost',
        ...innerOptions,
        ...(resume && sessions.inner ? { session: sessions.inner } : {}),
      }),
      resume ? (session) => (sessions.inner = session) : undefined,
    );
    onStageDone?.('gateway-tls', performance.now());
    inner.once('close', () => outer.destroy());
    return inner;
  };
}

function secure(
  socket: tls.TLSSocket,
  onSession: ((session: Buffer) => void) | undefined,
): Promise<tls.TLSSocket> {
  if (onSession) socket.on('session', onSession);
  return new Promise((resolve, reject) => {
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
