/**
 * ALPN `infisical-http-proxy` (reference §5.5, §5.6): the byte contract between a caller and the
 * gateway's HTTP proxy action.
 *
 *   caller -> gateway, first line:  CONFIG [ca=<base64 of PEM>] [verify=<bool>]\n
 *       tokens separated by spaces; the leading `CONFIG` token is ignored, so is an empty line and
 *       any token this version does not know. `ca` = extra trust anchors (PEM, base64) for the
 *       target's TLS; `verify` = whether the target's TLS certificate is checked (Go's
 *       strconv.ParseBool spellings). Burrow verifies unless told `verify=false`.
 *       At most HTTP_PROXY_CONFIG_LINE_MAX_BYTES, within HTTP_PROXY_CONFIG_LINE_TIMEOUT_MS.
 *   then: HTTP/1.1 requests, one after another on the same stream (keep-alive), each forwarded to
 *       the target named by the caller certificate's routing extension: base
 *       `<targetHost>:<targetPort>`, the scheme travelling inside targetHost (`https://k8s.internal`);
 *       a host without `http://`/`https://` means `http://`. The request's path and query are
 *       appended to that base. Responses come back in order. The stream ends on EOF or after a
 *       request with `Connection: close`.
 *   errors of the gateway (target down, TLS verification failure, headers too large, timeout) are
 *       answered as an HTTP response with a JSON body `{"message":"gateway: …"}` (reference: status
 *       500; Burrow uses the status that says what happened, see http-proxy action).
 *   header `x-infisical-action` (platform callers only; removed before forwarding):
 *       `inject-k8s-sa-auth-token` -> `Authorization: Bearer <the gateway pod's service-account token>`
 *       `use-k8s-sa`              -> the target becomes the gateway pod's Kubernetes API
 *                                    (`https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT_HTTPS`,
 *                                    the pod CA) with that token.
 */

/** The first token of the config line. */
export const HTTP_PROXY_CONFIG_TOKEN = 'CONFIG';

/** The header a platform caller selects a gateway-side action with. */
export const HTTP_PROXY_ACTION_HEADER = 'x-infisical-action';

export const HTTP_PROXY_ACTIONS = {
  injectKubernetesServiceAccountToken: 'inject-k8s-sa-auth-token',
  useKubernetesServiceAccount: 'use-k8s-sa',
} as const;

/**
 * The config line is read before anything else; a CA bundle of a few certificates is some KiB, so
 * 64 KiB is generous and still bounds what a caller can make the gateway hold before a newline.
 */
export const HTTP_PROXY_CONFIG_LINE_MAX_BYTES = 64 * 1024;

/** A caller that sends no complete config line within this long is dropped. */
export const HTTP_PROXY_CONFIG_LINE_TIMEOUT_MS = 10_000;

/**
 * Request and response headers together per message (node's default is 16 KiB; Kubernetes
 * and browsers send large cookies/tokens, so 64 KiB). A message with more is refused (431 for a
 * request, 502 for a target's response).
 */
export const HTTP_PROXY_MAX_HEADER_BYTES = 64 * 1024;

/** A caller's request headers must arrive within this long (a slowloris guard). */
export const HTTP_PROXY_REQUEST_HEADERS_TIMEOUT_MS = 30_000;

/**
 * The target must answer a request with its status and headers within this long (the reference
 * gives the whole exchange 30 s; Burrow bounds the wait for the answer and lets bodies stream for
 * as long as bytes move, so large transfers and `kubectl logs -f` work).
 */
export const HTTP_PROXY_RESPONSE_HEADERS_TIMEOUT_MS = 30_000;

/**
 * A request or response body (or an upgraded stream) with no byte in either direction for this
 * long is cut. Long enough for a `kubectl logs -f` of a quiet pod to stay open through the usual
 * kubelet keepalives; a stalled peer still cannot hold a stream forever.
 */
export const HTTP_PROXY_IDLE_TIMEOUT_MS = 5 * 60 * 1000;

/** Between two requests on one stream, the gateway keeps the stream open this long (reference: 30 s idle). */
export const HTTP_PROXY_KEEP_ALIVE_TIMEOUT_MS = 30_000;

/** What a config line says. */
export interface HttpProxyConfig {
  /** Extra trust anchors for the target's TLS (PEM), if the caller sent any. */
  readonly caCertificates: string | undefined;
  /** Check the target's TLS certificate (default true). */
  readonly verifyTls: boolean;
}

/**
 * The config line a caller sends (without the newline).
 *
 * @example
 *   socket.write(`${formatHttpProxyConfigLine({ caCertificates: pem, verifyTls: true })}\n`);
 */
export function formatHttpProxyConfigLine(config: Partial<HttpProxyConfig>): string {
  const tokens = [HTTP_PROXY_CONFIG_TOKEN];
  if (config.caCertificates !== undefined) {
    tokens.push(`ca=${Buffer.from(config.caCertificates, 'utf8').toString('base64')}`);
  }
  if (config.verifyTls !== undefined) tokens.push(`verify=${config.verifyTls}`);
  return tokens.join(' ');
}

/**
 * Reads a config line (without its newline). Throws an Error that names the bad token (never its
 * value) for a `ca` that is not base64 of a PEM certificate or a `verify` that is not a bool.
 *
 * @example
 *   parseHttpProxyConfigLine('CONFIG verify=false'); // {caCertificates: undefined, verifyTls: false}
 */
export function parseHttpProxyConfigLine(line: string): HttpProxyConfig {
  let caCertificates: string | undefined;
  let verifyTls = true;
  for (const token of line.trim().split(/\s+/)) {
    if (token.startsWith('ca=')) {
      const encoded = token.slice(3);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
        throw new Error('config line: ca= is not base64');
      }
      const pem = Buffer.from(encoded, 'base64').toString('utf8');
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
        throw new Error('config line: ca= holds no PEM certificate');
      }
      caCertificates = pem;
    } else if (token.startsWith('verify=')) {
      verifyTls = parseGoBool(token.slice(7));
    }
  }
  return { caCertificates, verifyTls };
}

/** Go's strconv.ParseBool, which the reference uses for `verify=`. */
function parseGoBool(text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new Error('config line: verify= is not a bool');
}

/**
 * The URL base of a routing target: `<targetHost>:<targetPort>` with `http://` prefixed when
 * targetHost carries no scheme (reference §5.6). Throws for anything that is not an http(s) origin.
 *
 * @example
 *   httpTargetOrigin('https://k8s.internal', 6443); // new URL('https://k8s.internal:6443')
 */
export function httpTargetOrigin(targetHost: string, targetPort: number): URL {
  const withScheme = /^https?:\/\//i.test(targetHost) ? targetHost : `http://${targetHost}`;
  const base = withScheme.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(targetPort > 0 ? `${base}:${targetPort}` : base);
  } catch {
    throw new Error('the target is not an http(s) address');
  }
  if (url.pathname !== '/' || url.search !== '' || url.username !== '' || url.password !== '') {
    throw new Error('the target must be a bare http(s) origin (no path, query or user)');
  }
  return url;
}
