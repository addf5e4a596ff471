/**
 * What counts as a secret in a log line, and how it is censored. The one list for every Burrow
 * process; {@link createLogger} applies it to every line it writes.
 *
 * A **field** is secret when its name, lower-cased with `-` and `_` removed, ends with one of
 * {@link SECRET_FIELD_SUFFIXES} (so `password`, `dbPassword`, `accessToken`, `refresh_token`,
 * `clientSecret`, `relayAuthSecret`, `privateKey`, `serverPrivateKey`, `sessionKey`,
 * `Authorization`, `set-cookie`, `credentials`, `customHeaders`, …) or is one of {@link SECRET_FIELD_NAMES}. Its
 * value, whatever its type (string, object, array), becomes {@link REDACTED}. Fields are matched
 * at any depth, inside arrays too.
 *
 * A **value** is secret wherever it appears (any field, the message, an error's text) when it
 * holds a PEM private key (the whole string is censored), a JWT, or the credential of an
 * `Authorization: Bearer|Basic …` header (only those parts are censored).
 *
 * Secrets are never meant to be logged: this is the second line of defence, for the day a whole
 * object (a config, an HTTP request, a registration reply with its keys) is.
 *
 * @example
 *   redactSecrets({ relay: 'r1', auth: { clientSecret: 's3cr3t' } });
 *   // → { relay: 'r1', auth: { clientSecret: '[redacted]' } }
 */

/** What a censored value is replaced with. */
export const REDACTED = '[redacted]';

/** A field whose normalised name ends with one of these is secret. */
export const SECRET_FIELD_SUFFIXES = [
  'password',
  'passwd',
  'passphrase',
  'secret', // clientSecret, relayAuthSecret, INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET
  'token', // token, accessToken, refreshToken, reviewerToken, jwtToken
  'jwt',
  'privatekey', // privateKey, serverPrivateKey, clientPrivateKey, relayClientPrivateKey
  'sessionkey', // the PAM session key that seals recordings
  'apikey',
  'authorization', // HTTP Authorization / Proxy-Authorization headers
  'cookie', // Cookie / Set-Cookie headers
  'credential',
  'credentials',
  'customheaders', // customHeaders, INFISICAL_CUSTOM_HEADERS: may carry an access proxy's secret
] as const;

/** Fields secret by their exact (normalised) name: `key` is what TLS options call a private key. */
export const SECRET_FIELD_NAMES = ['key'] as const;

const SUFFIX_PATTERN = new RegExp(`(?:${SECRET_FIELD_SUFFIXES.join('|')})$`);
const NAMES = new Set<string>(SECRET_FIELD_NAMES);

/** `-----BEGIN PRIVATE KEY-----`, `… RSA PRIVATE KEY-----`, `… OPENSSH PRIVATE KEY-----`, … */
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
/** header.payload.signature, base64url; every JWT header starts with `{"` = `eyJ`. */
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
/** The credential after an HTTP auth scheme. */
const AUTH_SCHEME_CREDENTIAL = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;

/** True when a field of this name holds a secret (see the module comment). */
export function isSecretField(name: string): boolean {
  const normalised = name.toLowerCase().replace(/[-_]/g, '');
  return NAMES.has(normalised) || SUFFIX_PATTERN.test(normalised);
}

/** The string with private keys, JWTs and Bearer/Basic credentials censored. */
export function redactSecretText(text: string): string {
  if (PEM_PRIVATE_KEY.test(text)) return REDACTED;
  return text.replace(JWT, REDACTED).replace(AUTH_SCHEME_CREDENTIAL, `$1 ${REDACTED}`);
}

/**
 * A copy of a JSON-like value (plain objects, arrays, primitives; what `JSON.parse` returns) with
 * every secret field and secret text censored. The input is not changed.
 */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return redactSecretText(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(redactSecrets);
  // No prototype: a field named "__proto__" stays a plain field.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [field, fieldValue] of Object.entries(value)) {
    copy[field] = isSecretField(field) ? REDACTED : redactSecrets(fieldValue);
  }
  return copy;
}
