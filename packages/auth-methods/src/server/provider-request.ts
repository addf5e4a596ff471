import http from 'node:http';
import https from 'node:https';
import { AuthError } from './auth-error.ts';
import { providerLookup, refusedLiteral } from './provider-address-policy.ts';

/**
 * One HTTP(S) request from the control plane to an identity provider (JWKS, discovery document,
 * Kubernetes TokenReview, STS), with an optional pinned CA, a deadline and a size limit. Built on
 * node:http(s) rather than fetch because STS forwarding must send the client's signed `Host`
 * header and Kubernetes needs a per-request CA.
 *
 * Failure to get an answer at all is PROVIDER_UNAVAILABLE (502): the caller's credential may be
 * fine. Every answer, whatever its status, is returned for the verifier to judge. Hosts in
 * private ranges are refused when the operator asked for it (provider-address-policy.ts).
 *
 * @example
 *   const { status, body } = await providerRequest('the OIDC discovery document', url, { caCert });
 */
export interface ProviderRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM CA certificate(s) to trust instead of the system's (the provider's own CA). */
  caCert?: string | undefined;
  timeoutMs?: number;
}

export interface ProviderAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Deadline for one identity-provider request; a login waits for it. */
export const PROVIDER_REQUEST_TIMEOUT_MS = 10_000;
/** JWKS, discovery documents and STS answers are a few KiB; more is not an identity provider. */
export const PROVIDER_ANSWER_MAX_BYTES = 1024 * 1024;

export function providerRequest(
  what: string,
  url: string,
  options: ProviderRequestOptions = {},
): Promise<ProviderAnswer> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new AuthError('PROVIDER_UNAVAILABLE', `${what}: invalid URL`));
  }
  const isHttps = target.protocol === 'https:';
  if (!isHttps && target.protocol !== 'http:') {
    return Promise.reject(
      new AuthError('PROVIDER_UNAVAILABLE', `${what}: ${target.protocol} is not http(s)`),
    );
  }
  const refused = refusedLiteral(target.hostname);
  if (refused !== undefined) {
    return Promise.reject(
      new AuthError('PROVIDER_UNAVAILABLE', `${what} at ${target.origin}: ${refused}`),
    );
  }
  const lookup = providerLookup();
  const timeoutMs = options.timeoutMs ?? PROVIDER_REQUEST_TIMEOUT_MS;
  return new Promise<ProviderAnswer>((resolve, reject) => {
    const fail = (reason: string): void =>
      reject(new AuthError('PROVIDER_UNAVAILABLE', `${what} at ${target.origin}: ${reason}`));
    const requestOptions: https.RequestOptions = {
      method: options.method ?? 'GET',
      headers: { accept: 'application/json', ...options.headers },
      timeout: timeoutMs,
      ...(isHttps && options.caCert ? { ca: options.caCert } : {}),
      ...(lookup ? { lookup } : {}),
    };
    const request = (isHttps ? https : http).request(target, requestOptions, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > PROVIDER_ANSWER_MAX_BYTES) {
          response.destroy();
          fail(`answer larger than ${PROVIDER_ANSWER_MAX_BYTES} bytes`);
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', (error) => fail(error.message));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => fail(error.message));
    request.end(options.body);
  });
}

/** GETs a JSON document (2xx only) from an identity provider. */
export async function providerJson(
  what: string,
  url: string,
  options: ProviderRequestOptions = {},
): Promise<unknown> {
  const answer = await providerRequest(what, url, options);
  if (answer.status < 200 || answer.status >= 300) {
    throw new AuthError(
      'PROVIDER_UNAVAILABLE',
      `${what} at ${new URL(url).origin} answered ${answer.status}`,
    );
  }
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    throw new AuthError('PROVIDER_UNAVAILABLE', `${what} answered with a body that is not JSON`);
  }
}
