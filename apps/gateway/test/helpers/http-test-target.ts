/**
 * An HTTP target written for the proxy tests (plain HTTP or HTTPS on loopback):
 *   GET  /headers            -> the request's headers as JSON (what reached the target)
 *   PUT|POST /upload         -> reads the body as it streams, answers {bytes, sha256}
 *   GET  /download?bytes=N   -> N bytes of patternBytes(), streamed with Content-Length
 *   GET  /chunked            -> three chunks without Content-Length (Transfer-Encoding: chunked)
 *   GET  /huge-headers       -> a response whose headers exceed the proxy's limit
 *   GET  /slow               -> never answers (timeouts)
 *   WebSocket on any path    -> echoes every message (the `ws` library)
 * Every request's headers are kept in `seen` for assertions.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { Readable } from 'node:stream';
import { WebSocketServer } from 'ws';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface HttpTestTarget {
  readonly port: number;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

const PATTERN_CHUNK = 1024 * 1024;

/**
 * `total` bytes made of 1 MiB blocks, each starting with its index, so a lost, repeated or
 * reordered block changes the checksum. Generated as read, never held whole.
 */
export function patternBytes(total: number): Readable {
  let sent = 0;
  let index = 0;
  const block = Buffer.alloc(PATTERN_CHUNK, 0x5a);
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(PATTERN_CHUNK, total - sent);
      const chunk = Buffer.from(block.subarray(0, size));
      chunk.writeUInt32BE(index++ >>> 0, 0);
      sent += size;
      this.push(chunk);
    },
  });
}

export async function sha256Of(stream: Readable): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

export async function startHttpTestTarget(tls?: {
  certificatePem: string;
  privateKeyPem: string;
}): Promise<HttpTestTarget> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<net.Socket>();
  const handler = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    const url = new URL(request.url ?? '/', 'http://target');
    if (url.pathname === '/headers') {
      request.resume();
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(request.headers));
    } else if (url.pathname === '/upload') {
      void sha256Of(request).then((result) => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify(result));
      });
    } else if (url.pathname === '/download') {
      const bytes = Number(url.searchParams.get('bytes') ?? '0');
      response.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(bytes),
      });
      patternBytes(bytes).pipe(response);
    } else if (url.pathname === '/chunked') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('one,');
      setImmediate(() => {
        response.write('two,');
        setImmediate(() => response.end('three'));
      });
    } else if (url.pathname === '/huge-headers') {
      response.setHeader('x-huge', 'h'.repeat(70 * 1024));
      response.end('never seen');
    } else if (url.pathname === '/slow') {
      request.resume();
    } else {
      request.resume();
      response.end(`${request.method} ${request.url}`);
    }
  };
  const server = tls
    ? https.createServer({ cert: tls.certificatePem, key: tls.privateKeyPem }, handler)
    : http.createServer(handler);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const sockets2 = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    sockets2.handleUpgrade(request, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const client of sockets2.clients) client.terminate();
        sockets2.close();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
