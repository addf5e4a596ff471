import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { repeatedJsonKeys } from '@burrow/test-support';
import { createLogger, isSecretField, REDACTED } from '../src/index.ts';

/** A logger built by the real setup, and the raw lines it wrote. */
function capture(name?: string): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  return { logger: createLogger({ name, level: 'debug', destination }), lines };
}

/** Every field the issue lists, spelled as Burrow's code and its peers spell them. */
const SECRET_FIELDS = [
  'password',
  'dbPassword',
  'passphrase',
  'token',
  'accessToken',
  'refreshToken',
  'refresh_token',
  'identityAccessToken',
  'clientSecret',
  'client_secret',
  'relayAuthSecret',
  'privateKey',
  'serverPrivateKey',
  'clientPrivateKey',
  'relayClientPrivateKey',
  'gatewayClientPrivateKey',
  'key',
  'jwt',
  'sessionKey',
  'pamSessionKey',
  'authorization',
  'Authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'credentials',
  'apiKey',
  'customHeaders',
  'INFISICAL_CUSTOM_HEADERS',
];

const SECRET = 'S3CRET-VALUE';

describe('createLogger', () => {
  it.each(SECRET_FIELDS)('censors %s at the top, nested, in arrays and in bindings', (field) => {
    const { logger, lines } = capture('burrow-test');
    const value = { [field]: SECRET };
    logger.info({ ...value, gatewayId: 'gw-1' }, 'top');
    logger.info(
      { config: { auth: { login: value } }, list: [value, { deeper: [value] }] },
      'nested',
    );
    logger.child(value).info('binding');
    logger
      .child({ component: 'c' })
      .child({ request: { headers: value } })
      .warn('child binding');
    logger.error({ err: Object.assign(new Error('boom'), { response: value }) }, 'error');
    // A secret field whose value is an object or array is censored whole.
    logger.info({ [field]: { nested: SECRET, list: [SECRET] } }, 'object value');

    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line).not.toContain(SECRET);
    const [top, nested, binding, childBinding, error, objectValue] = lines.map(
      (line) => JSON.parse(line) as Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
    );
    expect(top).toMatchObject({ [field]: REDACTED, gatewayId: 'gw-1', name: 'burrow-test' });
    expect(nested?.config.auth.login[field]).toBe(REDACTED);
    expect(nested?.list[0][field]).toBe(REDACTED);
    expect(nested?.list[1].deeper[0][field]).toBe(REDACTED);
    expect(binding?.[field]).toBe(REDACTED);
    expect(childBinding?.request.headers[field]).toBe(REDACTED);
    expect(error?.err.response[field]).toBe(REDACTED);
    expect(error?.err.message).toBe('boom');
    expect(objectValue?.[field]).toBe(REDACTED);
  });

  it('censors private keys, JWTs and Bearer credentials in any text, the message included', () => {
    const { logger, lines } = capture();
    const pem =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJpZGVudGl0eSJ9.c2lnbmF0dXJl';
    logger.info({ certificateAndKey: `-----BEGIN CERTIFICATE-----\nMII\n${pem}` }, 'pem field');
    logger.warn({ err: `login refused for ${jwt} (expired)` }, `retrying with ${jwt}`);
    logger.info(
      { curl: 'curl -H "Authorization: Bearer abc.DEF-123_x" /v1/x' },
      'Basic dXNlcjpwdw==',
    );
    const [pemLine, jwtLine, bearerLine] = lines.map(
      (line) => JSON.parse(line) as Record<string, unknown>,
    );
    expect(pemLine?.certificateAndKey).toBe(REDACTED);
    expect(jwtLine).toMatchObject({
      err: `login refused for ${REDACTED} (expired)`,
      msg: `retrying with ${REDACTED}`,
    });
    expect(bearerLine).toMatchObject({
      curl: `curl -H "Authorization: Bearer ${REDACTED}" /v1/x`,
      msg: `Basic ${REDACTED}`,
    });
    for (const line of lines) {
      expect(line).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
      expect(line).not.toContain('c2lnbmF0dXJl');
      expect(line).not.toContain('dXNlcjpwdw');
    }
  });

  it('keeps what is not secret', () => {
    const { logger, lines } = capture('burrow-relay');
    const fields = {
      gatewayId: 'gw-1',
      relayName: 'relay-1',
      accessTokenTTL: 7200,
      tokenExpiresAt: '2026-01-01T00:00:00Z',
      keyId: 'k1',
      certificate: '-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n',
      nested: { alpn: 'infisical-pam-proxy', bytes: 12, list: [1, 'two', null, true] },
    };
    logger.info(fields, 'plain message: 3 streams');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      ...fields,
      msg: 'plain message: 3 streams',
    });
  });

  it('writes every key once: a repeated binding or field keeps the last value', () => {
    const { logger, lines } = capture('burrow-gateway');
    const pam = logger.child({ component: 'pam' });
    pam.child({ component: 'pam-recordings', sessionId: 's1' }).info({ sessionId: 's2' }, 'saved');
    logger.info({ name: 'relay-1' }, 'field named like the logger');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(repeatedJsonKeys(line)).toEqual([]);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      name: 'burrow-gateway',
      component: 'pam-recordings',
      sessionId: 's2',
    });
  });

  it('writes nothing below its level, and one JSON line per event', () => {
    const { logger, lines } = capture();
    logger.level = 'warn';
    logger.info({ password: SECRET }, 'hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 40, msg: 'shown' });
  });
});

describe('isSecretField', () => {
  it('matches names by suffix, ignoring case, - and _', () => {
    for (const field of SECRET_FIELDS) expect(isSecretField(field)).toBe(true);
    for (const field of [
      'gatewayId',
      'name',
      'keyId',
      'tokenTtl',
      'secretName',
      'monkey',
      'cookies',
    ])
      expect(isSecretField(field)).toBe(false);
  });
});
