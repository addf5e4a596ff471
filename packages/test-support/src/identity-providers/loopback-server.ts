import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP(S) server on 127.0.0.1 and a free port, for the identity-provider test doubles. Every
 * request body is read (up to 1 MiB) before the handler runs.
 */
export interface LoopbackServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface LoopbackRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface LoopbackResponse {
  status: number;
  body: string | object;
  contentType?: string;
}

export type LoopbackHandler = (
  request: LoopbackRequest,
) => Promise<LoopbackResponse> | LoopbackResponse;

export async function startLoopbackServer(
  handler: LoopbackHandler,
  tls?: { key: string; cert: string },
): Promise<LoopbackServer> {
  const listener = (incoming: http.IncomingMessage, outgoing: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1024 * 1024) incoming.destroy();
      else chunks.push(chunk);
    });
    incoming.on('end', () => {
      const request: LoopbackRequest = {
        method: incoming.method ?? 'GET',
        url: new URL(incoming.url ?? '/', 'http://127.0.0.1'),
        headers: incoming.headers,
        rawHeaders: incoming.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      Promise.resolve()
        .then(() => handler(request))
        .catch((error: unknown): LoopbackResponse => ({
          status: 500,
          body: { error: String(error) },
        }))
        .then((response) => {
          const text =
            typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
          outgoing.writeHead(response.status, {
            'content-type':
              response.contentType ??
              (typeof response.body === 'string' ? 'text/plain' : 'application/json'),
            'content-length': Buffer.byteLength(text),
          });
          outgoing.end(text);
        });
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
