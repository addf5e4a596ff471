/**
 * ALPN `infisical-http-proxy` (reference §5.5, §5.6; wire contract: @burrow/tunnel-protocol
 * http-proxy.ts): the caller sends one config line, then HTTP/1.1 requests, which the gateway
 * forwards to the target its certificate names.
 *
 *   CONFIG [ca=<base64 PEM>] [verify=<bool>]\n   -> TLS policy for an https target (verify unless
 *                                                  verify=false; ca adds trust anchors)
 *       bad line                                 -> `400 {"message":"gateway: …"}`, stream ends
 *       none within 10 s / longer than 64 KiB    -> stream ends
 *   each request -> <targetHost>:<targetPort> + path?query, streamed (http/http-forwarder.ts);
 *       keep-alive, chunked bodies, WebSocket/SPDY upgrades, header size limit, timeouts
 *   `x-infisical-action` (removed before forwarding):
 *       caller actor `platform`:
 *         inject-k8s-sa-auth-token -> Authorization: Bearer <the gateway pod's service-account token>
 *         use-k8s-sa               -> to the pod's Kubernetes API (KUBERNETES_SERVICE_HOST /
 *                                     KUBERNETES_SERVICE_PORT_HTTPS, pod CA), with that token
 *         anything else            -> 400
 *       any other caller          -> 403 (the gateway's own credentials are the platform's only)
 *   a PAM certificate (`…100.3`)  -> refused, the stream ends: PAM HTTP goes through
 *                                    infisical-pam-proxy, with injection and recording
 *
 * The target comes from the certificate the control plane signed for exactly this target, never
 * from the request: a Host header or an absolute-form URL cannot point the gateway elsewhere.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  HTTP_PROXY_ACTION_HEADER,
  HTTP_PROXY_ACTIONS,
  HTTP_PROXY_CONFIG_LINE_MAX_BYTES,
  HTTP_PROXY_CONFIG_LINE_TIMEOUT_MS,
  httpTargetOrigin,
  parseHttpProxyConfigLine,
  type HttpProxyConfig,
} from '@burrow/tunnel-protocol';
import type { ActionContext } from './action.ts';
import { endStream } from './close-stream.ts';
import { readConfigLine } from './http/config-line.ts';
import type { HeaderField } from './http/hop-by-hop-headers.ts';
import { forwardRequest, forwardUpgrade, HttpUpstream } from './http/http-forwarder.ts';
import { serveHttpOnStream } from './http/http-stream-server.ts';

/** Where a pod finds its own service account (Kubernetes mounts it there). */
export const KUBERNETES_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface HttpProxyOptions {
  /** The pod's service-account directory (`token`, `ca.crt`); tests point it elsewhere. */
  serviceAccountDir?: string;
  /** Environment with KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT_HTTPS (process.env). */
  env?: NodeJS.ProcessEnv;
  /** Override of HTTP_PROXY_RESPONSE_HEADERS_TIMEOUT_MS (tests). */
  responseHeadersTimeoutMs?: number;
}

/**
 * @example
 *   const handlers = { [ALPN.httpProxy]: createHttpProxyHandler() };
 */
export function createHttpProxyHandler(options: HttpProxyOptions = {}) {
  const serviceAccountDir = options.serviceAccountDir ?? KUBERNETES_SERVICE_ACCOUNT_DIR;
  const env = options.env ?? process.env;
  return (context: ActionContext): void => {
    void serve(context, serviceAccountDir, env, options.responseHeadersTimeoutMs);
  };
}

async function serve(
  context: ActionContext,
  serviceAccountDir: string,
  env: NodeJS.ProcessEnv,
  responseHeadersTimeoutMs: number | undefined,
): Promise<void> {
  const { socket, routing, actor, pamSession, logger } = context;
  if (pamSession) {
    logger.warn(
      { sessionId: pamSession.sessionId },
      'http-proxy refused: the caller certificate was made for a PAM session (…100.3)',
    );
    endStream(socket);
    return;
  }
  let config: HttpProxyConfig;
  try {
    const line = await readConfigLine(
      socket,
      HTTP_PROXY_CONFIG_LINE_MAX_BYTES,
      HTTP_PROXY_CONFIG_LINE_TIMEOUT_MS,
    );
    config = parseHttpProxyConfigLine(line);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.warn({ error: message }, 'http-proxy: no usable config line; closing');
    if (message.startsWith('config line:')) endStream(socket, rawError(400, message));
    else endStream(socket);
    return;
  }
  // The certificate's target; undefined when it names none usable (then only use-k8s-sa works).
  let upstream: HttpUpstream | undefined;
  let targetProblem = 'the caller certificate names no http target';
  if (routing && routing.targetHost.trim() !== '') {
    try {
      upstream = new HttpUpstream({
        origin: httpTargetOrigin(routing.targetHost, routing.targetPort),
        caCertificates: config.caCertificates,
        verifyTls: config.verifyTls,
      });
    } catch (error) {
      targetProblem = error instanceof Error ? error.message : String(error);
    }
  }
  let podApi: HttpUpstream | undefined;
  const isPlatform = actor?.type === 'platform';

  /** How this request is to be forwarded, or the error to answer with. */
  const route = async (
    request: http.IncomingMessage,
  ): Promise<
    { upstream: HttpUpstream; token: string | undefined } | { status: number; message: string }
  > => {
    const action = request.headers[HTTP_PROXY_ACTION_HEADER];
    if (action === undefined) {
      return upstream ? { upstream, token: undefined } : { status: 502, message: targetProblem };
    }
    if (!isPlatform) {
      return {
        status: 403,
        message: `${HTTP_PROXY_ACTION_HEADER} is honoured for the platform only`,
      };
    }
    if (action === HTTP_PROXY_ACTIONS.injectKubernetesServiceAccountToken) {
      if (!upstream) return { status: 502, message: targetProblem };
      const token = await readServiceAccountFile(serviceAccountDir, 'token');
      if (!token)
        return { status: 502, message: 'this gateway has no Kubernetes service-account token' };
      return { upstream, token: token.trim() };
    }
    if (action === HTTP_PROXY_ACTIONS.useKubernetesServiceAccount) {
      const token = await readServiceAccountFile(serviceAccountDir, 'token');
      const ca = await readServiceAccountFile(serviceAccountDir, 'ca.crt');
      const host = env.KUBERNETES_SERVICE_HOST;
      const port = env.KUBERNETES_SERVICE_PORT_HTTPS;
      if (!token || !ca || !host || !port) {
        return {
          status: 502,
          message: 'this gateway does not run in a Kubernetes pod with a service account',
        };
      }
      podApi ??= new HttpUpstream({
        origin: httpTargetOrigin(
          `https://${host.includes(':') ? `[${host}]` : host}`,
          Number(port),
        ),
        caCertificates: ca,
        verifyTls: true,
      });
      return { upstream: podApi, token: token.trim() };
    }
    return { status: 400, message: `unknown ${HTTP_PROXY_ACTION_HEADER}` };
  };

  const rewrite =
    (token: string | undefined) =>
    (fields: HeaderField[]): HeaderField[] => {
      const kept = fields.filter((field) => {
        const name = field.name.toLowerCase();
        return name !== HTTP_PROXY_ACTION_HEADER && !(token && name === 'authorization');
      });
      if (token) kept.push({ name: 'Authorization', value: `Bearer ${token}` });
      return kept;
    };

  serveHttpOnStream(
    socket,
    {
      request: (request, response) => {
        void route(request).then((decision) => {
          if ('status' in decision) {
            request.resume();
            const body = JSON.stringify({ message: `gateway: ${decision.message}` });
            response.writeHead(decision.status, {
              'Content-Type': 'application/json',
              'Content-Length': Buffer.byteLength(body),
            });
            response.end(body);
            return;
          }
          forwardRequest(request, response, {
            upstream: decision.upstream,
            logger,
            rewriteRequestHeaders: rewrite(decision.token),
            ...(responseHeadersTimeoutMs !== undefined ? { responseHeadersTimeoutMs } : {}),
          });
        });
      },
      upgrade: (request: http.IncomingMessage, stream: Duplex, head: Buffer) => {
        void route(request).then((decision) => {
          if ('status' in decision) {
            stream.end(rawError(decision.status, decision.message));
            return;
          }
          forwardUpgrade(request, stream, head, {
            upstream: decision.upstream,
            logger,
            rewriteRequestHeaders: rewrite(decision.token),
            ...(responseHeadersTimeoutMs !== undefined ? { responseHeadersTimeoutMs } : {}),
          });
        });
      },
    },
    logger,
    () => {
      upstream?.close();
      podApi?.close();
    },
  );
}

async function readServiceAccountFile(dir: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}

/** A whole HTTP error response that ends the stream. */
function rawError(status: number, message: string): string {
  const body = JSON.stringify({ message: `gateway: ${message}` });
  return (
    `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : status === 403 ? 'Forbidden' : 'Bad Gateway'}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}
