/**
 * ALPN `infisical-connection-test` (reference §5.5, §10): the platform asks the gateway to check a
 * target — the one its certificate names (`…100.1`) — before it saves a resource or an account.
 * Platform callers only; one HTTP/1.1 request per stream, then the gateway closes.
 *
 *   POST /v1/test-connection            Content-Type: application/json, body <= 64 KiB
 *   {"mode":"tcp"|"sql"|"ssh"|"kubernetes"|"http", "timeoutMs"?: n (default 15000, at most 60000),
 *    …the mode's parameters (below)}
 *
 *   200 {"result":{"ok":true}}
 *   502 {"error":{"message":"…","kind":"transport"|"auth"|"unknown"}}
 *        transport = the target could not be reached or spoke no sense (a retry may help);
 *        auth      = the target answered and refused the credentials (fix the account);
 *        unknown   = it answered with some other failure.
 *   400 / 405 / 413 {"error":{"message":"…"}}  the request itself was wrong
 *
 * Modes Burrow's gateway serves (the reference also has mongodb, redis, ldap):
 *   tcp         a TCP connect to the target
 *   sql         {"dialect":"postgres","username","password","database","sslEnabled"?,
 *                "sslRejectUnauthorized"? (default true),"sslCertificate"?} — logs in (cleartext,
 *                md5 or SCRAM-SHA-256, TLS as given) and leaves
 *   ssh         {"username","authMethod":"password"|"public-key"|"certificate","password"?,
 *                "privateKey"?,"certificate"?,"hostKeys"?,"hostCertificateAuthorities"?} — the
 *                fields of a PAM SSH session's credentials: the target's host key is checked as for
 *                a session (a pinned key or a host certificate of a pinned CA; at least one is
 *                required), then one login attempt and the gateway leaves. Refused credentials =
 *                auth; a host key the resource does not trust = unknown (nothing was sent to it)
 *   kubernetes  {"token"?,"sslRejectUnauthorized"?,"sslCertificate"?} — GET https://<target>/api with
 *                the bearer token: 2xx ok, 401 auth, other statuses transport
 *   http        Burrow's own, for web applications: {"url"? (path, default "/"), "headers"?:
 *                {name: value} (the account's credential), "sslRejectUnauthorized"?,
 *                "sslCertificate"?} — GET <targetHost>:<targetPort><url>: 401/403 auth, 5xx
 *                unknown, anything else ok. targetHost carries the scheme as in http-proxy.
 * Error messages never quote a password or token.
 */

export const CONNECTION_TEST_PATH = '/v1/test-connection';

/** Body limit of the request (reference: 64 KiB). */
export const CONNECTION_TEST_MAX_BODY_BYTES = 64 * 1024;
/** Per-test timeout when the request names none, and the most it may name (reference). */
export const CONNECTION_TEST_DEFAULT_TIMEOUT_MS = 15_000;
export const CONNECTION_TEST_MAX_TIMEOUT_MS = 60_000;
/** The whole stream, request included, may take this long (reference: 90 s). */
export const CONNECTION_TEST_STREAM_DEADLINE_MS = 90_000;

export type ConnectionTestMode = 'tcp' | 'sql' | 'ssh' | 'kubernetes' | 'http';
export type ConnectionTestFailureKind = 'transport' | 'auth' | 'unknown';

export interface SqlConnectionTestParams {
  readonly dialect: 'postgres';
  readonly username: string;
  readonly password: string;
  readonly database: string;
  readonly sslEnabled?: boolean;
  readonly sslRejectUnauthorized?: boolean;
  readonly sslCertificate?: string;
}

export interface SshConnectionTestParams {
  readonly username: string;
  readonly authMethod: 'password' | 'public-key' | 'certificate';
  readonly password?: string;
  /** OpenSSH or PEM private key text (public-key, certificate). */
  readonly privateKey?: string;
  /** A user certificate line for privateKey (certificate). */
  readonly certificate?: string;
  /** `ssh-ed25519 AAAA…` lines: the target's host keys, and CAs of its host certificates. */
  readonly hostKeys?: readonly string[];
  readonly hostCertificateAuthorities?: readonly string[];
}

export interface KubernetesConnectionTestParams {
  readonly token?: string;
  readonly sslRejectUnauthorized?: boolean;
  readonly sslCertificate?: string;
}

export interface HttpConnectionTestParams {
  readonly url?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly sslRejectUnauthorized?: boolean;
  readonly sslCertificate?: string;
}

export type ConnectionTestRequest = { readonly timeoutMs?: number } & (
  | { readonly mode: 'tcp' }
  | ({ readonly mode: 'sql' } & SqlConnectionTestParams)
  | ({ readonly mode: 'ssh' } & SshConnectionTestParams)
  | ({ readonly mode: 'kubernetes' } & KubernetesConnectionTestParams)
  | ({ readonly mode: 'http' } & HttpConnectionTestParams)
);

/** What the gateway answers (the body of 200 or of an error status). */
export type ConnectionTestResponse =
  | { readonly result: { readonly ok: true } }
  | {
      readonly error: { readonly message: string; readonly kind?: ConnectionTestFailureKind };
    };
