/**
 * Web applications (`http`) and Kubernetes API servers (`kubernetes`) as PAM protocols
 * (pam-protocol.ts; reference §8.3 "Kubernetes"). The person's HTTP client (curl, a browser,
 * kubectl) talks HTTP/1.1 to `burrow pam access`'s local listener; each of its connections arrives
 * here as one stream and is served by node's http server (http/http-stream-server.ts):
 *
 *   every request      -> the session's credentials (fetched once per session; a refusal is
 *                         answered `403`/`502`/`503 {"message":"gateway: …"}` and the stream ends)
 *                      -> the person's Authorization / Proxy-Authorization (and the account's own
 *                         header; for kubernetes every Impersonate-* header) are dropped, the
 *                         account's credential is set, Host is the target's
 *                      -> forwarded to the account's `url` (TLS verified unless the resource says
 *                         sslRejectUnauthorized=false; sslCertificate = its trust anchors)
 *                      -> request and response recorded (http-exchange-recording.ts); the answer
 *                         reaches the person only once its event is on disk
 *   response headers   -> any whose value contains the account's secret is dropped, so the
 *                         person never reads the credential back from a header
 *   Upgrade (WebSocket, SPDY: kubectl exec / attach / port-forward) -> the handshake recorded and
 *                         forwarded, then both streams spliced (their bytes are not recorded)
 *   session ended      -> terminate(): the stream is cut
 */
import type tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type http from 'node:http';
import type { Logger } from '@burrow/observability';
import type { HeaderField } from '../../actions/http/hop-by-hop-headers.ts';
import { forwardRequest, forwardUpgrade, HttpUpstream } from '../../actions/http/http-forwarder.ts';
import { serveHttpOnStream } from '../../actions/http/http-stream-server.ts';
import type { PamConnection, PamProtocol, PamSessionContext } from '../pam-protocol.ts';
import { PamSessionError } from '../pam-session-error.ts';
import type { HTTP_RESOURCE_TYPE } from './http-credentials.ts';
import {
  KUBERNETES_RESOURCE_TYPE,
  parseHttpCredentials,
  parseKubernetesCredentials,
  type HttpTargetCredentials,
} from './http-credentials.ts';
import { createExchangeRecorder } from './http-exchange-recording.ts';

/**
 * @example
 *   new PamSessions({ protocols: [createHttpPamProtocol('http'), createHttpPamProtocol('kubernetes')], … });
 */
export function createHttpPamProtocol(
  resourceType: typeof HTTP_RESOURCE_TYPE | typeof KUBERNETES_RESOURCE_TYPE,
): PamProtocol<HttpTargetCredentials> {
  return {
    resourceType,
    parseCredentials:
      resourceType === KUBERNETES_RESOURCE_TYPE ? parseKubernetesCredentials : parseHttpCredentials,
    serve: (caller, session, logger) => new HttpPamConnection(caller, session, logger),
  };
}

class HttpPamConnection implements PamConnection {
  readonly closed: Promise<void>;
  private readonly caller: tls.TLSSocket;
  private readonly session: PamSessionContext<HttpTargetCredentials>;
  private readonly logger: Logger;
  private upstream: HttpUpstream | undefined;

  constructor(
    caller: tls.TLSSocket,
    session: PamSessionContext<HttpTargetCredentials>,
    logger: Logger,
  ) {
    this.caller = caller;
    this.session = session;
    this.logger = logger;
    this.closed = new Promise((resolve) => caller.once('close', () => resolve()));
    serveHttpOnStream(
      caller,
      {
        request: (request, response) => void this.onRequest(request, response),
        upgrade: (request, stream, head) => void this.onUpgrade(request, stream, head),
      },
      logger,
      () => this.upstream?.close(),
    );
  }

  terminate(reason: string): void {
    this.logger.info({ reason }, 'pam-http: connection terminated');
    this.caller.destroy();
  }

  private async onRequest(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const credentials = await this.credentials();
    if ('refusal' in credentials) {
      request.resume();
      const { status, body } = credentials.refusal;
      response.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        Connection: 'close',
      });
      response.end(body);
      return;
    }
    forwardRequest(request, response, this.forwardOptions(credentials.value));
  }

  private async onUpgrade(request: http.IncomingMessage, stream: Duplex, head: Buffer) {
    const credentials = await this.credentials();
    if ('refusal' in credentials) {
      const { status, body } = credentials.refusal;
      stream.end(
        `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    forwardUpgrade(request, stream, head, this.forwardOptions(credentials.value));
  }

  private forwardOptions(credentials: HttpTargetCredentials) {
    this.upstream ??= new HttpUpstream({
      origin: credentials.origin,
      caCertificates: credentials.sslCertificate,
      verifyTls: credentials.sslRejectUnauthorized,
    });
    return {
      upstream: this.upstream,
      logger: this.logger,
      recorder: createExchangeRecorder(credentials, (event) => this.session.record(event)),
      rewriteRequestHeaders: (fields: HeaderField[]) => injectCredential(fields, credentials),
      rewriteResponseHeaders: (fields: HeaderField[]) =>
        fields.filter(
          (field) => !credentials.secrets.some((secret) => field.value.includes(secret)),
        ),
    };
  }

  private async credentials(): Promise<
    { value: HttpTargetCredentials } | { refusal: { status: number; body: string } }
  > {
    try {
      return { value: await this.session.credentials() };
    } catch (error) {
      const reason = error instanceof PamSessionError ? error.reason : 'unavailable';
      const message = error instanceof PamSessionError ? error.message : 'the session cannot start';
      this.logger.warn({ reason, error: message }, 'pam-http: request refused');
      const status =
        reason === 'ended' || reason === 'refused' ? 403 : reason === 'not-recordable' ? 503 : 502;
      return { refusal: { status, body: JSON.stringify({ message: `gateway: ${message}` }) } };
    }
  }
}

/** The person's headers minus anything carrying credentials, plus the account's credential. */
export function injectCredential(
  fields: readonly HeaderField[],
  credentials: HttpTargetCredentials,
): HeaderField[] {
  const kept = fields.filter((field) => {
    const name = field.name.toLowerCase();
    if (credentials.strippedHeaders.has(name)) return false;
    if (credentials.stripImpersonation && name.startsWith('impersonate-')) return false;
    return true;
  });
  kept.push({ name: credentials.injected.name, value: credentials.injected.value });
  return kept;
}
