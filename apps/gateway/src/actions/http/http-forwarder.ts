/**
 * Forwards HTTP/1.1 exchanges from a caller's stream to one target origin, streaming both bodies
 * (node's http client and server do the parsing and the framing: Content-Length, chunked,
 * keep-alive). Shared by the `infisical-http-proxy` action and the PAM HTTP/Kubernetes protocols.
 *
 *   request   hop-by-hop headers dropped, Host set to the target, then `rewriteRequestHeaders`
 *             (strip what the person sent, inject the account's credential); the body is piped
 *             with backpressure, never held whole.
 *   response  status and end-to-end headers passed on (repeated headers such as Set-Cookie kept),
 *             body piped. The target must answer within HTTP_PROXY_RESPONSE_HEADERS_TIMEOUT_MS of
 *             the request body having been sent; after that a body may take as long as it likes
 *             as long as no side stays silent for HTTP_PROXY_IDLE_TIMEOUT_MS.
 *   upgrade   (WebSocket, SPDY for `kubectl exec`): the handshake is forwarded; on the target's
 *             101 its answer goes back byte for byte and both streams are spliced; any other
 *             answer goes back as a normal response and the stream ends.
 *   recorder  (PAM): the request event is written once the first `bodyLimit` bytes of the body
 *             (or all of it) have passed; the response's status, headers and first `bodyLimit`
 *             bytes (or what arrived within RECORDED_BODY_WAIT_MS, for streams) are held until
 *             the response event is on disk, then released. A failed
 *             recording withholds the answer and ends the stream (fail closed).
 *   errors    before the answer's head went out: an HTTP response `{"message":"gateway: …"}` with
 *             a status that says what happened (502 target unreachable / TLS refused / oversize or
 *             broken response, 504 no answer in time); after it: the stream is cut, so the caller
 *             sees a broken message, never a short one passed off as complete.
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import {
  HTTP_PROXY_IDLE_TIMEOUT_MS,
  HTTP_PROXY_MAX_HEADER_BYTES,
  HTTP_PROXY_RESPONSE_HEADERS_TIMEOUT_MS,
  TARGET_CONNECT_TIMEOUT_MS,
  spliceStreams,
} from '@burrow/tunnel-protocol';
import type { Logger } from '@burrow/observability';
import type { HeaderField } from './hop-by-hop-headers.ts';
import { endToEndHeaders, flatHeaders, headerFields } from './hop-by-hop-headers.ts';
import { describeUpstreamError, GatewayHttpError } from './upstream-error.ts';

/** Where a stream's requests go, and how its TLS is checked. */
export interface HttpUpstreamOptions {
  readonly origin: URL;
  /** Extra trust anchors (PEM) for an https target; the system roots otherwise. */
  readonly caCertificates?: string | undefined;
  readonly verifyTls: boolean;
}

/** One stream's connection pool to its target (closed with the stream). */
export class HttpUpstream {
  readonly origin: URL;
  readonly agent: http.Agent;

  constructor(options: HttpUpstreamOptions) {
    this.origin = options.origin;
    const pool = { keepAlive: true, maxFreeSockets: 10, timeout: HTTP_PROXY_IDLE_TIMEOUT_MS };
    this.agent =
      options.origin.protocol === 'https:'
        ? new https.Agent({
            ...pool,
            ...(options.caCertificates ? { ca: options.caCertificates } : {}),
            rejectUnauthorized: options.verifyTls,
          })
        : new http.Agent(pool);
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface RecordedRequest {
  readonly requestId: number;
  readonly method: string;
  /** Path and query as the caller sent them. */
  readonly url: string;
  /** As sent to the target (after rewriting). */
  readonly headers: readonly HeaderField[];
  readonly body: Buffer;
  readonly bodyTruncated: boolean;
}

export interface RecordedResponse {
  readonly requestId: number;
  readonly status: number;
  readonly headers: readonly HeaderField[];
  readonly body: Buffer;
  readonly bodyTruncated: boolean;
  /** From the request's start to the response's head. */
  readonly elapsedMs: number;
}

/** Writes exchanges to a session recording; each promise settles when the event is on disk. */
export interface ExchangeRecorder {
  readonly bodyLimit: number;
  request(event: RecordedRequest): Promise<void>;
  response(event: RecordedResponse): Promise<void>;
}

export interface ForwardOptions {
  readonly upstream: HttpUpstream;
  readonly logger: Logger;
  /** The headers to send, from the end-to-end headers the caller sent (Host already set). */
  readonly rewriteRequestHeaders?: (fields: HeaderField[]) => HeaderField[];
  /** Headers of the target's answer the caller must not see (already end-to-end only). */
  readonly rewriteResponseHeaders?: (fields: HeaderField[]) => HeaderField[];
  readonly recorder?: ExchangeRecorder | undefined;
  /** Overrides of the named timeouts (tests). */
  readonly responseHeadersTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
}

let nextRequestId = 1;

/**
 * With a recorder, how long a response's body is collected for its event before the answer is
 * released (at most; a complete or `bodyLimit`-long body releases it at once).
 */
export const RECORDED_BODY_WAIT_MS = 200;

/**
 * Forwards one request and its response.
 *
 * @example
 *   server.on('request', (req, res) => forwardRequest(req, res, { upstream, logger }));
 */
export function forwardRequest(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  options: ForwardOptions,
): void {
  const requestId = nextRequestId++;
  const startedAt = Date.now();
  const { upstream, logger, recorder } = options;
  const headers = outgoingHeaders(request, options, false);
  const fail = (error: unknown): void => sendError(response, error, upstream.origin, logger);

  const upstreamRequest = requestUpstream(
    upstream,
    request,
    headers,
    options.idleTimeoutMs ?? HTTP_PROXY_IDLE_TIMEOUT_MS,
  );
  const connectTimer = armConnectTimeout(upstreamRequest);
  let headersTimer: NodeJS.Timeout | undefined;
  upstreamRequest.on('timeout', () =>
    upstreamRequest.destroy(new GatewayHttpError(504, 'the target went silent')),
  );

  // The request event goes to the recording once the captured body prefix is complete.
  const requestRecorded = recorder
    ? captureRequest(request, recorder, (body, truncated) =>
        recorder.request({
          requestId,
          method: request.method ?? 'GET',
          url: request.url ?? '/',
          headers,
          body,
          bodyTruncated: truncated,
        }),
      )
    : Promise.resolve();
  requestRecorded.catch(() => undefined);

  request.pipe(upstreamRequest);
  request.on('error', () => upstreamRequest.destroy());
  // A caller gone mid-exchange: stop the target's side too.
  response.on('close', () => {
    if (!response.writableFinished) upstreamRequest.destroy();
  });
  upstreamRequest.on('finish', () => {
    headersTimer = setTimeout(
      () =>
        upstreamRequest.destroy(
          new GatewayHttpError(
            504,
            `the target did not answer within ${Math.round((options.responseHeadersTimeoutMs ?? HTTP_PROXY_RESPONSE_HEADERS_TIMEOUT_MS) / 1000)} s`,
          ),
        ),
      options.responseHeadersTimeoutMs ?? HTTP_PROXY_RESPONSE_HEADERS_TIMEOUT_MS,
    );
  });
  upstreamRequest.on('error', (error) => {
    clearTimeout(connectTimer);
    clearTimeout(headersTimer);
    fail(error);
  });

  upstreamRequest.on('response', (upstreamResponse) => {
    clearTimeout(connectTimer);
    clearTimeout(headersTimer);
    const status = upstreamResponse.statusCode ?? 502;
    let fields = endToEndHeaders(headerFields(upstreamResponse.rawHeaders));
    if (options.rewriteResponseHeaders) fields = options.rewriteResponseHeaders(fields);
    upstreamResponse.on('error', (error) => {
      logger.warn({ error: error.message }, 'http-proxy: the target response broke off');
      response.destroy(error);
    });
    const release = (held: Buffer[], ended: boolean): void => {
      response.writeHead(status, upstreamResponse.statusMessage, flatHeaders(fields));
      for (const chunk of held) response.write(chunk);
      if (ended) response.end();
      else upstreamResponse.pipe(response);
    };
    if (!recorder) {
      release([], false);
      return;
    }
    void holdPrefix(upstreamResponse, recorder.bodyLimit, RECORDED_BODY_WAIT_MS).then(
      async ({ held, ended, truncated }) => {
        try {
          await requestRecorded;
          await recorder.response({
            requestId,
            status,
            headers: fields,
            body: Buffer.concat(held),
            bodyTruncated: truncated,
            elapsedMs: Date.now() - startedAt,
          });
        } catch (error) {
          logger.error(
            { error: error instanceof Error ? error.message : String(error) },
            'http-proxy: the exchange could not be recorded; withholding the answer',
          );
          upstreamResponse.destroy();
          response.destroy();
          return;
        }
        release(held, ended);
      },
    );
  });
}

/**
 * Forwards an upgrade handshake (`Connection: Upgrade`) and, on 101, joins the two streams.
 *
 * @example
 *   server.on('upgrade', (req, socket, head) => forwardUpgrade(req, socket, head, { upstream, logger }));
 */
export function forwardUpgrade(
  request: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  options: ForwardOptions,
): void {
  const requestId = nextRequestId++;
  const startedAt = Date.now();
  const { upstream, logger, recorder } = options;
  const headers = outgoingHeaders(request, options, true);
  const recorded = recorder
    ? recorder.request({
        requestId,
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers,
        body: Buffer.alloc(0),
        bodyTruncated: false,
      })
    : Promise.resolve();
  recorded.catch(() => undefined);

  const upstreamRequest = requestUpstream(upstream, request, headers);
  const connectTimer = armConnectTimeout(upstreamRequest);
  const headersTimer = setTimeout(
    () =>
      upstreamRequest.destroy(
        new GatewayHttpError(504, 'the target did not answer the upgrade in time'),
      ),
    options.responseHeadersTimeoutMs ?? HTTP_PROXY_RESPONSE_HEADERS_TIMEOUT_MS,
  );
  const stopTimers = (): void => {
    clearTimeout(connectTimer);
    clearTimeout(headersTimer);
  };
  socket.on('error', () => upstreamRequest.destroy());
  socket.once('close', () => upstreamRequest.destroy());

  const recordResponse = async (status: number, fields: HeaderField[]): Promise<boolean> => {
    if (!recorder) return true;
    try {
      await recorded;
      await recorder.response({
        requestId,
        status,
        headers: fields,
        body: Buffer.alloc(0),
        bodyTruncated: false,
        elapsedMs: Date.now() - startedAt,
      });
      return true;
    } catch (error) {
      logger.error(
        { error: error instanceof Error ? error.message : String(error) },
        'http-proxy: the upgrade could not be recorded; withholding the answer',
      );
      return false;
    }
  };

  upstreamRequest.on('upgrade', (upstreamResponse, upstreamSocket, upstreamHead) => {
    stopTimers();
    const fields = headerFields(upstreamResponse.rawHeaders);
    upstreamSocket.pause();
    void recordResponse(upstreamResponse.statusCode ?? 101, fields).then((ok) => {
      if (!ok || socket.destroyed) {
        upstreamSocket.destroy();
        socket.destroy();
        return;
      }
      socket.write(rawResponseHead(upstreamResponse, fields));
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (head.length > 0) upstreamSocket.write(head);
      const idleMs = options.idleTimeoutMs ?? HTTP_PROXY_IDLE_TIMEOUT_MS;
      upstreamSocket.setTimeout(idleMs, () => upstreamSocket.destroy());
      upstreamSocket.resume();
      void spliceStreams(socket, upstreamSocket).then((result) =>
        logger.debug(
          { bytesToTarget: result.bytesFromA, bytesFromTarget: result.bytesFromB },
          'http-proxy: upgraded stream closed',
        ),
      );
    });
  });

  upstreamRequest.on('response', (upstreamResponse) => {
    // The target declined the upgrade: pass its answer on and end the stream.
    stopTimers();
    const fields = endToEndHeaders(headerFields(upstreamResponse.rawHeaders));
    fields.push({ name: 'Connection', value: 'close' });
    upstreamResponse.pause();
    void recordResponse(upstreamResponse.statusCode ?? 502, fields).then((ok) => {
      if (!ok) {
        upstreamResponse.destroy();
        socket.destroy();
        return;
      }
      socket.write(rawResponseHead(upstreamResponse, fields));
      upstreamResponse.pipe(socket);
    });
  });

  upstreamRequest.on('error', (error) => {
    stopTimers();
    const { status, message } = describeUpstreamError(error, upstream.origin);
    logger.warn({ error: error.message, status }, 'http-proxy: upgrade not forwarded');
    if (socket.destroyed || !socket.writable) return;
    const body = JSON.stringify({ message: `gateway: ${message}` });
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  upstreamRequest.end();
}

/** The end-to-end headers of the caller's request, Host set to the target, then rewritten. */
function outgoingHeaders(
  request: http.IncomingMessage,
  options: ForwardOptions,
  upgrade: boolean,
): HeaderField[] {
  const fields = endToEndHeaders(headerFields(request.rawHeaders), upgrade).filter(
    (field) => field.name.toLowerCase() !== 'host',
  );
  fields.unshift({ name: 'Host', value: options.upstream.origin.host });
  return options.rewriteRequestHeaders ? options.rewriteRequestHeaders(fields) : fields;
}

/**
 * The caller's request sent on to the upstream origin with `headers` (Host among them: node must
 * not set its own); `idleTimeoutMs`: the socket's idle timeout, none when absent.
 */
function requestUpstream(
  upstream: HttpUpstream,
  request: http.IncomingMessage,
  headers: readonly HeaderField[],
  idleTimeoutMs?: number,
): http.ClientRequest {
  const { origin, agent } = upstream;
  return (origin.protocol === 'https:' ? https : http).request({
    protocol: origin.protocol,
    hostname: bareHostname(origin),
    port: origin.port || (origin.protocol === 'https:' ? 443 : 80),
    method: request.method,
    path: request.url,
    headers: flatHeaders(headers),
    agent,
    maxHeaderSize: HTTP_PROXY_MAX_HEADER_BYTES,
    ...(idleTimeoutMs === undefined ? {} : { timeout: idleTimeoutMs }),
    setHost: false,
  });
}

/** Node's client has no connect timeout of its own. */
function armConnectTimeout(request: http.ClientRequest): NodeJS.Timeout {
  const timer = setTimeout(
    () =>
      request.destroy(
        new GatewayHttpError(
          502,
          `could not connect to the target within ${TARGET_CONNECT_TIMEOUT_MS / 1000} s`,
        ),
      ),
    TARGET_CONNECT_TIMEOUT_MS,
  );
  request.once('socket', (socket) => {
    if (!socket.connecting) clearTimeout(timer);
    else socket.once('connect', () => clearTimeout(timer));
  });
  return timer;
}

function sendError(
  response: http.ServerResponse,
  error: unknown,
  origin: URL,
  logger: Logger,
): void {
  const { status, message } = describeUpstreamError(error, origin);
  logger.warn(
    { error: error instanceof Error ? error.message : String(error), status },
    'http-proxy: request not forwarded',
  );
  if (response.headersSent) {
    // Part of the answer is out: cut the stream so the caller cannot take it as complete.
    response.destroy();
    return;
  }
  const body = JSON.stringify({ message: `gateway: ${message}` });
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** Collects the first `limit` bytes of `request` as it flows and resolves with the recording. */
function captureRequest(
  request: http.IncomingMessage,
  recorder: ExchangeRecorder,
  record: (body: Buffer, truncated: boolean) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const held: Buffer[] = [];
    let length = 0;
    let done = false;
    const finish = (truncated: boolean): void => {
      if (done) return;
      done = true;
      request.off('data', onData);
      record(Buffer.concat(held).subarray(0, recorder.bodyLimit), truncated).then(resolve, reject);
    };
    const onData = (chunk: Buffer): void => {
      held.push(chunk);
      length += chunk.length;
      if (length > recorder.bodyLimit) finish(true);
    };
    request.on('data', onData);
    request.once('end', () => finish(false));
    request.once('close', () => finish(length > recorder.bodyLimit));
  });
}

/**
 * Reads up to `limit` bytes of `stream`, to its end, or for at most `maxWaitMs` — whichever comes
 * first — and pauses it there. The wait bound keeps a streaming answer (`kubectl logs -f`, server-
 * sent events) flowing: its event holds what arrived in that time.
 */
function holdPrefix(
  stream: http.IncomingMessage,
  limit: number,
  maxWaitMs: number,
): Promise<{ held: Buffer[]; ended: boolean; truncated: boolean }> {
  return new Promise((resolve) => {
    const held: Buffer[] = [];
    let length = 0;
    const stop = (ended: boolean, truncated: boolean): void => {
      clearTimeout(timer);
      if (!ended) stream.pause();
      stream.off('data', onData);
      stream.off('end', onEnd);
      resolve({ held, ended, truncated });
    };
    const onData = (chunk: Buffer): void => {
      held.push(chunk);
      length += chunk.length;
      if (length >= limit) stop(false, true);
    };
    const onEnd = (): void => stop(true, false);
    const timer = setTimeout(() => stop(false, true), maxWaitMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}

function rawResponseHead(response: http.IncomingMessage, fields: readonly HeaderField[]): string {
  const status = response.statusCode ?? 502;
  const lines = [`HTTP/1.1 ${status} ${response.statusMessage ?? http.STATUS_CODES[status] ?? ''}`];
  for (const field of fields) lines.push(`${field.name}: ${field.value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** URL.hostname keeps IPv6 brackets; node's client wants the bare address. */
function bareHostname(origin: URL): string {
  return origin.hostname.replace(/^\[(.*)\]$/, '$1');
}
