/**
 * Serving HTTP/1.1 on one already-open stream (an inner TLS stream after its first line): node's
 * http server does the parsing — keep-alive, pipelining, chunked bodies, upgrades, header size
 * limit — on a connection injected with `emit('connection')`. One server per stream, closed with
 * it.
 *
 *   headers over HTTP_PROXY_MAX_HEADER_BYTES -> `431` with `{"message":"gateway: …"}`, stream ends
 *   any other unparsable request             -> `400` likewise
 *   no request for HTTP_PROXY_KEEP_ALIVE_TIMEOUT_MS between two requests -> the stream ends
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  HTTP_PROXY_IDLE_TIMEOUT_MS,
  HTTP_PROXY_KEEP_ALIVE_TIMEOUT_MS,
  HTTP_PROXY_MAX_HEADER_BYTES,
  HTTP_PROXY_REQUEST_HEADERS_TIMEOUT_MS,
} from '@burrow/tunnel-protocol';
import type { Logger } from '@burrow/observability';

export interface HttpStreamHandlers {
  request(request: http.IncomingMessage, response: http.ServerResponse): void;
  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * @example
 *   serveHttpOnStream(socket, { request: …, upgrade: … }, logger);
 */
export function serveHttpOnStream(
  stream: Duplex,
  handlers: HttpStreamHandlers,
  logger: Logger,
  onClose?: () => void,
): void {
  const server = http.createServer({
    maxHeaderSize: HTTP_PROXY_MAX_HEADER_BYTES,
    // Bodies may take as long as they keep moving (256 MiB uploads); the idle timeout guards them.
    requestTimeout: 0,
    headersTimeout: HTTP_PROXY_REQUEST_HEADERS_TIMEOUT_MS,
    keepAliveTimeout: HTTP_PROXY_KEEP_ALIVE_TIMEOUT_MS,
    requireHostHeader: false,
  });
  server.timeout = HTTP_PROXY_IDLE_TIMEOUT_MS;
  server.on('request', handlers.request);
  server.on('upgrade', handlers.upgrade);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const oversize = error.code === 'HPE_HEADER_OVERFLOW';
    logger.warn({ code: error.code }, 'http-proxy: caller request refused');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = oversize ? 431 : 400;
    const body = JSON.stringify({
      message: oversize
        ? `gateway: the request headers exceed ${HTTP_PROXY_MAX_HEADER_BYTES / 1024} KiB`
        : `gateway: malformed HTTP request (${error.code ?? 'parse error'})`,
    });
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  stream.once('close', () => {
    server.close();
    onClose?.();
  });
  server.emit('connection', stream);
}
