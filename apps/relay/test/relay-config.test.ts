import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { RelayFlags } from '../src/relay-config.ts';
import { ConfigError } from '@burrow/observability';
import { parseRelayConfig } from '../src/relay-config.ts';

const ORG: RelayFlags = {
  host: 'relay.example.com',
  name: 'edge-1',
  domain: 'https://cp.example.com',
  token: 'identity-token',
};

function refusal(flags: RelayFlags, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseRelayConfig(flags, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseRelayConfig', () => {
  it('accepts an org relay with a token and applies the defaults', () => {
    const config = parseRelayConfig(ORG, {});
    expect(config).toEqual({
      type: 'org',
      host: 'relay.example.com',
      name: 'edge-1',
      apiUrl: 'https://cp.example.com/api',
      customHeaders: {},
      auth: { kind: 'machine-identity', login: { method: 'token', token: 'identity-token' } },
      sshListen: { host: '0.0.0.0', port: 2222 },
      tlsListen: { host: '0.0.0.0', port: 8443 },
      logLevel: 'info',
    });
  });

  it('accepts universal auth', () => {
    const config = parseRelayConfig(
      { ...ORG, token: undefined, authMethod: 'universal-auth', clientId: 'id', clientSecret: 's' },
      {},
    );
    expect(config.auth).toEqual({
      kind: 'machine-identity',
      login: { method: 'universal-auth', clientId: 'id', clientSecret: 's' },
    });
  });

  it('accepts an instance relay with the relay auth secret, and listen overrides', () => {
    const config = parseRelayConfig(
      {
        type: 'instance',
        host: '203.0.113.7',
        name: 'shared',
        domain: 'http://127.0.0.1:8080/api',
        relayAuthSecret: 'secret',
        sshListenAddress: '127.0.0.1:12222',
        tlsListenAddress: '[::1]:18443',
      },
      {},
    );
    expect(config.auth).toEqual({ kind: 'relay-auth-secret', secret: 'secret' });
    expect(config.apiUrl).toBe('http://127.0.0.1:8080/api');
    expect(config.sshListen).toEqual({ host: '127.0.0.1', port: 12222 });
    expect(config.tlsListen).toEqual({ host: '::1', port: 18443 });
  });

  it('names every missing setting at once, one per line', () => {
    expect(() => parseRelayConfig({}, {})).toThrow(
      new ConfigError(
        undefined,
        [
          '--host (INFISICAL_RELAY_HOST): is required',
          '--name (INFISICAL_RELAY_NAME): is required',
          '--domain (INFISICAL_API_URL): is required: the control plane URL (or set INFISICAL_DOMAIN), e.g. https://burrow.example.com',
          'universal auth needs a client ID: set --client-id or INFISICAL_UNIVERSAL_AUTH_CLIENT_ID (or give a token with --token / INFISICAL_TOKEN)',
        ].join('\n'),
      ),
    );
  });

  it('domain: --domain, then INFISICAL_DOMAIN, then INFISICAL_API_URL (the reference’s order)', () => {
    const both = { INFISICAL_DOMAIN: 'https://d.example', INFISICAL_API_URL: 'https://a.example' };
    expect(parseRelayConfig(ORG, both).apiUrl).toBe('https://cp.example.com/api');
    expect(parseRelayConfig({ ...ORG, domain: undefined }, both).apiUrl).toBe(
      'https://d.example/api',
    );
    expect(
      parseRelayConfig({ ...ORG, domain: undefined }, { INFISICAL_API_URL: 'https://a.example' })
        .apiUrl,
    ).toBe('https://a.example/api');
    // A blank INFISICAL_DOMAIN counts as unset.
    expect(
      parseRelayConfig({ ...ORG, domain: undefined }, { ...both, INFISICAL_DOMAIN: ' ' }).apiUrl,
    ).toBe('https://a.example/api');
  });

  it('a bad INFISICAL_DOMAIN is named as such, even with a good INFISICAL_API_URL', () => {
    expect(
      refusal(
        { ...ORG, domain: undefined },
        { INFISICAL_DOMAIN: 'd.example', INFISICAL_API_URL: 'https://a.example' },
      ),
    ).toBe('INFISICAL_DOMAIN: "d.example" is not a URL (expected http(s)://host[:port])');
  });

  it('INFISICAL_CUSTOM_HEADERS: parsed for every control plane request', () => {
    const config = parseRelayConfig(ORG, {
      INFISICAL_CUSTOM_HEADERS: 'X-Org=acme CF-Access-Client-Secret="s3 cr3t"',
    });
    expect(config.customHeaders).toEqual({ 'X-Org': 'acme', 'CF-Access-Client-Secret': 's3 cr3t' });
  });

  it('a bad INFISICAL_CUSTOM_HEADERS is refused naming the variable, never quoting a value', () => {
    const message = refusal(ORG, { INFISICAL_CUSTOM_HEADERS: 'X-Org=acme X-Secret="s3cr3t' });
    expect(message).toBe(
      "INFISICAL_CUSTOM_HEADERS: entry 2 (X-Secret): its value's opening quote is never closed",
    );
    expect(refusal(ORG, { INFISICAL_CUSTOM_HEADERS: 's3cr3t' })).toMatch(
      /^INFISICAL_CUSTOM_HEADERS: entry 1 has no "=" \(write name=value pairs/,
    );
    expect(refusal(ORG, { INFISICAL_CUSTOM_HEADERS: 's3cr3t' })).not.toContain('s3cr3t');
  });

  it.each<[string, RelayFlags, RegExp]>([
    ['missing host', { ...ORG, host: undefined }, /^--host \(INFISICAL_RELAY_HOST\): is required/],
    ['blank host', { ...ORG, host: '  ' }, /^--host \(INFISICAL_RELAY_HOST\): is required/],
    [
      'host with a scheme',
      { ...ORG, host: 'https://relay.example.com' },
      /^--host \(INFISICAL_RELAY_HOST\): .*not a host name/,
    ],
    [
      'host with a port',
      { ...ORG, host: 'relay.example.com:8443' },
      /^--host \(INFISICAL_RELAY_HOST\): .*not a host name/,
    ],
    ['missing name', { ...ORG, name: undefined }, /^--name \(INFISICAL_RELAY_NAME\): is required/],
    ['name not a slug', { ...ORG, name: 'Edge_1' }, /^--name \(INFISICAL_RELAY_NAME\): "Edge_1"/],
    ['name too long', { ...ORG, name: 'a'.repeat(33) }, /^--name \(INFISICAL_RELAY_NAME\):/],
    ['bad type', { ...ORG, type: 'public' }, /^--type \(INFISICAL_RELAY_TYPE\): "public"/],
    [
      'missing domain',
      { ...ORG, domain: undefined },
      /^--domain \(INFISICAL_API_URL\): is required/,
    ],
    [
      'domain not a URL',
      { ...ORG, domain: 'cp.example.com' },
      /^--domain \(INFISICAL_API_URL\): .*not a URL/,
    ],
    [
      'domain not http',
      { ...ORG, domain: 'ftp://cp' },
      /^--domain \(INFISICAL_API_URL\): .*http or https/,
    ],
    [
      'ssh listen address without port',
      { ...ORG, sshListenAddress: '0.0.0.0' },
      /^--ssh-listen-address \(BURROW_RELAY_SSH_LISTEN_ADDRESS\): "0.0.0.0": expected host:port/,
    ],
    [
      'tls listen port out of range',
      { ...ORG, tlsListenAddress: '0.0.0.0:70000' },
      /^--tls-listen-address \(BURROW_RELAY_TLS_LISTEN_ADDRESS\): .*outside 1-65535/,
    ],
    [
      'tls listen port 0',
      { ...ORG, tlsListenAddress: '127.0.0.1:0' },
      /^--tls-listen-address \(BURROW_RELAY_TLS_LISTEN_ADDRESS\): .*outside 1-65535/,
    ],
    [
      'unbracketed IPv6',
      { ...ORG, sshListenAddress: '::1:2222' },
      /^--ssh-listen-address .*brackets/,
    ],
    [
      'both listeners on one address',
      { ...ORG, sshListenAddress: '0.0.0.0:9000', tlsListenAddress: '0.0.0.0:9000' },
      /^--tls-listen-address \(BURROW_RELAY_TLS_LISTEN_ADDRESS\): must differ/,
    ],
    ['bad log level', { ...ORG, logLevel: 'loud' }, /^--log-level \(BURROW_LOG_LEVEL\): "loud"/],
    [
      'instance relay without its secret',
      { ...ORG, type: 'instance' },
      /^--relay-auth-secret \(INFISICAL_RELAY_AUTH_SECRET\): is required/,
    ],
    [
      'org relay without any credential',
      { ...ORG, token: undefined },
      /client ID.*--client-id.*INFISICAL_UNIVERSAL_AUTH_CLIENT_ID/,
    ],
    [
      'universal auth without a secret',
      { ...ORG, token: undefined, authMethod: 'universal-auth', clientId: 'id' },
      /client secret.*--client-secret.*INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET/,
    ],
    [
      'token auth without a token',
      { ...ORG, token: undefined, authMethod: 'token' },
      /token.*--token.*INFISICAL_TOKEN/,
    ],
    [
      'kubernetes auth without the identity ID',
      { ...ORG, authMethod: 'kubernetes' },
      /kubernetes auth needs the machine identity ID.*INFISICAL_MACHINE_IDENTITY_ID/,
    ],
    ['an unknown auth method', { ...ORG, authMethod: 'magic' }, /unknown auth method "magic"/],
  ])('refuses %s with one line naming the setting', (_case, flags, expected) => {
    expect(refusal(flags)).toMatch(expected);
  });

  it('never puts a secret into the message', () => {
    const message = refusal({
      ...ORG,
      type: 'instance',
      relayAuthSecret: undefined,
      token: 'tok-123',
    });
    expect(message).not.toContain('tok-123');
  });
});

describe('parseRelayConfig for an enrolled relay (issue 21)', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-relay-state-'));
  const env = { BURROW_ENROLLMENT_STATE_DIR: stateDir };
  const ENROLLING: RelayFlags = {
    name: 'edge-1',
    domain: 'https://cp.example.com',
    enrollMethod: 'token',
    token: 'enrollment-token',
  };
  afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  it('takes --enroll-method token with the enrollment token; the host is the admin’s', () => {
    const config = parseRelayConfig(ENROLLING, env);
    expect(config.host).toBeUndefined();
    expect(config.auth).toEqual({
      kind: 'resource-token',
      credential: {
        method: 'enrollment-token',
        kind: 'relay',
        enrollmentToken: 'enrollment-token',
        stateFile: path.join(stateDir, 'edge-1.conf'),
      },
    });
  });

  it('refuses enrollment without a token, with aws, or for an instance relay', () => {
    expect(refusal({ ...ENROLLING, token: undefined }, env)).toMatch(
      /--token \(INFISICAL_TOKEN\): is required with --enroll-method token/,
    );
    expect(refusal({ ...ENROLLING, enrollMethod: 'aws' }, env)).toMatch(
      /--enroll-method \(INFISICAL_RELAY_ENROLL_METHOD\).*aws is not built in Burrow/,
    );
    expect(refusal({ ...ENROLLING, enrollMethod: 'magic' }, env)).toMatch(/not an enroll method/);
    expect(refusal({ ...ENROLLING, type: 'instance', host: 'relay.example.com' }, env)).toMatch(
      /only org relays enroll/,
    );
  });

  it('uses INFISICAL_RELAY_ACCESS_TOKEN, else the state file’s, when no identity login is set', () => {
    const flags = { name: 'edge-1', domain: 'https://cp.example.com' };
    expect(
      parseRelayConfig(flags, { ...env, INFISICAL_RELAY_ACCESS_TOKEN: 'from-env' }).auth,
    ).toEqual({
      kind: 'resource-token',
      credential: { method: 'access-token', kind: 'relay', accessToken: 'from-env' },
    });
    fs.writeFileSync(path.join(stateDir, 'edge-1.conf'), 'INFISICAL_RELAY_ACCESS_TOKEN=stored\n', {
      mode: 0o600,
    });
    expect(parseRelayConfig(flags, env).auth).toEqual({
      kind: 'resource-token',
      credential: { method: 'access-token', kind: 'relay', accessToken: 'stored' },
    });
    // An identity login setting chooses the identity path (and the host is required again).
    expect(parseRelayConfig({ ...ORG }, env).auth.kind).toBe('machine-identity');
  });
});
