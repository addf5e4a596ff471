/**
 * The credentials answer (`GET /api/v1/pam/sessions/:id/credentials`) of the HTTP resource types,
 * checked field by field (an error names the field, never a value):
 *
 *   resourceType "http" (a web application; Burrow's name, the reference has none for this):
 *     {url: "https://app.internal:8443", authMethod: "basic"|"bearer"|"header",
 *      username?, password? (basic), token? (bearer: the token; header: the header's value),
 *      headerName? (header), sslRejectUnauthorized? (default true), sslCertificate? (PEM)}
 *   resourceType "kubernetes" (reference §8.2/§8.3 names):
 *     {url: "https://k8s.internal:6443", authMethod?: "service-account-token",
 *      serviceAccountToken, sslRejectUnauthorized? (default true), sslCertificate? (PEM)}
 *
 * `url` is an origin: http(s), host, optional port; no path, query or user.
 */
import { httpTargetOrigin } from '@burrow/tunnel-protocol';
import type { CredentialFields } from '../credential-fields.ts';
import { credentialsObject, requiredText, targetTlsSettings } from '../credential-fields.ts';

export const HTTP_RESOURCE_TYPE = 'http';
export const KUBERNETES_RESOURCE_TYPE = 'kubernetes';

export interface HttpTargetCredentials {
  readonly origin: URL;
  readonly sslRejectUnauthorized: boolean;
  readonly sslCertificate: string | undefined;
  /** The header the gateway sets on every request (the account's credential). */
  readonly injected: { readonly name: string; readonly value: string };
  /** Secrets to mask in recordings and to keep from the person (header value, password, token). */
  readonly secrets: readonly string[];
  /** Lower-case names of headers the person may not send (they would carry credentials). */
  readonly strippedHeaders: ReadonlySet<string>;
  /** Strip every `Impersonate-*` header too (Kubernetes). */
  readonly stripImpersonation: boolean;
}

/** Headers that carry credentials in any HTTP application. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization'];

/** A header name: an RFC 9110 token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * @example
 *   const credentials = parseHttpCredentials(answer.credentials);
 */
export function parseHttpCredentials(raw: unknown): HttpTargetCredentials {
  const c = credentialsObject(raw);
  const base = target(c);
  const method = c.authMethod;
  if (method === 'basic') {
    const username = requiredText(c, 'username');
    const password = requiredText(c, 'password');
    if (username.includes(':')) throw new Error('credentials.username must not contain ":"');
    const value = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
    return {
      ...base,
      injected: { name: 'Authorization', value },
      secrets: [value, Buffer.from(`${username}:${password}`).toString('base64'), password],
      strippedHeaders: new Set(CREDENTIAL_HEADERS),
      stripImpersonation: false,
    };
  }
  if (method === 'bearer') {
    const token = headerValue(c, 'token');
    return {
      ...base,
      injected: { name: 'Authorization', value: `Bearer ${token}` },
      secrets: [token],
      strippedHeaders: new Set(CREDENTIAL_HEADERS),
      stripImpersonation: false,
    };
  }
  if (method === 'header') {
    const name = requiredText(c, 'headerName');
    if (!TOKEN.test(name)) throw new Error('credentials.headerName is not a valid header name');
    const token = headerValue(c, 'token');
    return {
      ...base,
      injected: { name, value: token },
      secrets: [token],
      strippedHeaders: new Set([...CREDENTIAL_HEADERS, name.toLowerCase()]),
      stripImpersonation: false,
    };
  }
  throw new Error('credentials.authMethod must be basic, bearer or header');
}

/**
 * @example
 *   const credentials = parseKubernetesCredentials(answer.credentials);
 */
export function parseKubernetesCredentials(raw: unknown): HttpTargetCredentials {
  const c = credentialsObject(raw);
  if (c.authMethod !== undefined && c.authMethod !== 'service-account-token') {
    throw new Error('credentials.authMethod must be service-account-token');
  }
  const token = headerValue(c, 'serviceAccountToken');
  return {
    ...target(c),
    injected: { name: 'Authorization', value: `Bearer ${token}` },
    secrets: [token],
    strippedHeaders: new Set(CREDENTIAL_HEADERS),
    stripImpersonation: true,
  };
}

function target(
  c: CredentialFields,
): Pick<HttpTargetCredentials, 'origin' | 'sslRejectUnauthorized' | 'sslCertificate'> {
  const url = requiredText(c, 'url');
  let origin: URL;
  try {
    origin = httpTargetOrigin(url, 0);
  } catch {
    throw new Error('credentials.url is not an http(s) origin');
  }
  if (!/^https?:\/\//i.test(url))
    throw new Error('credentials.url must start with http:// or https://');
  return { origin, ...targetTlsSettings(c) };
}

/** A value that goes into a header: no CR, LF or NUL (header injection). */
function headerValue(c: CredentialFields, key: string): string {
  const value = requiredText(c, key);
  if (/[\r\n\0]/.test(value)) throw new Error(`credentials.${key} holds a line break`);
  return value;
}
