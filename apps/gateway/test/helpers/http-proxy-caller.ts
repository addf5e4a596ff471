/**
 * The platform's side of `infisical-http-proxy` (reference §4 setupRelayServer): a loopback
 * listener whose every accepted connection becomes one inner TLS stream to the gateway (here
 * through a channel pair instead of a relay), starting with the config line and then carrying the
 * client's bytes (curl's, kubectl's) verbatim.
 */
import net from 'node:net';
import type tls from 'node:tls';
import { spliceStreams } from '@burrow/tunnel-protocol';
import type { InnerTlsServer } from '../../src/tunnel/inner-tls-server.ts';
import { createChannelPair } from './channel-pair.ts';
import { connectCaller } from './inner-tls-client.ts';

export interface HttpProxyCaller {
  /** curl http://127.0.0.1:<port>/… */
  readonly port: number;
  readonly url: string;
  /** Inner TLS streams opened so far (one per client connection). */
  readonly streams: number;
  close(): Promise<void>;
}

export interface HttpProxyCallerOptions {
  server: InnerTlsServer;
  serverCertificateChain: string;
  certificate: { certificatePem: string; privateKeyPem: string };
  /** Without the newline; undefined sends nothing first (for tests of a missing line). */
  configLine: string | undefined;
  alpn?: string;
}

export async function startHttpProxyCaller(
  options: HttpProxyCallerOptions,
): Promise<HttpProxyCaller> {
  const open = new Set<net.Socket | tls.TLSSocket>();
  let streams = 0;
  const listener = net.createServer({ allowHalfOpen: true }, (local) => {
    streams += 1;
    open.add(local);
    local.once('close', () => open.delete(local));
    local.on('error', () => undefined);
    local.pause();
    void createChannelPair().then(({ channel, caller }) => {
      options.server.handleChannel(channel);
      const inner = connectCaller(caller, {
        serverCertificateChain: options.serverCertificateChain,
        certificate: options.certificate,
        alpn: [options.alpn ?? 'infisical-http-proxy'],
      });
      open.add(inner);
      inner.once('close', () => open.delete(inner));
      inner.on('error', () => undefined);
      inner.once('secureConnect', () => {
        if (options.configLine !== undefined) inner.write(`${options.configLine}\n`);
        local.resume();
        void spliceStreams(local, inner);
      });
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get streams() {
      return streams;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        listener.close(() => resolve());
      }),
  };
}
