import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CommanderError } from 'commander';
import { createCli } from '../../src/cli.ts';
import type { GatewayConfig } from '../../src/ops/gateway-config.ts';
import { ConfigError } from '@burrow/observability';
import {
  GATEWAY_SETTINGS,
  resolveControlPlaneConfig,
  resolveGatewayConfig,
} from '../../src/ops/gateway-config.ts';

const complete = {
  positionalName: 'gw-1',
  targetRelayName: 'edge-1',
  domain: 'http://127.0.0.1:8080',
  token: 'identity-token',
};

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveGatewayConfig', () => {
  it('accepts a complete configuration and normalises the API URL', () => {
    const config = resolveGatewayConfig(complete, {});
    expect(config).toEqual({
      name: 'gw-1',
      relayName: 'edge-1',
      relayNames: ['edge-1'],
      apiUrl: 'http://127.0.0.1:8080/api',
      customHeaders: {},
      login: { method: 'token', token: 'identity-token' },
      logLevel: 'info',
      pamSessionRecordingMaxBytes: 10 * 1024 ** 3,
    });
  });

  it('recording storage bound: binary units or bytes; nonsense and tiny values name the setting', () => {
    const bound = (value: string) =>
      resolveGatewayConfig({ ...complete, pamSessionRecordingMaxBytes: value }, {})
        .pamSessionRecordingMaxBytes;
    expect(bound('500MiB')).toBe(500 * 1024 ** 2);
    expect(bound('2GiB')).toBe(2 * 1024 ** 3);
    expect(bound('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(bound('2097152')).toBe(2 * 1024 ** 2);
    for (const bad of ['ten', '5 parsecs', '-1GiB']) {
      expect(
        configError(() =>
          resolveGatewayConfig({ ...complete, pamSessionRecordingMaxBytes: bad }, {}),
        ).message,
      ).toMatch(
        /^--pam-session-recording-max-bytes \(BURROW_GATEWAY_PAM_SESSION_RECORDING_MAX_BYTES\): .* is not a size/,
      );
    }
    expect(
      configError(() =>
        resolveGatewayConfig({ ...complete, pamSessionRecordingMaxBytes: '10' }, {}),
      ).message,
    ).toMatch(/less than the smallest allowed, 1MiB/);
  });

  it('name: the positional argument beats --name', () => {
    expect(resolveGatewayConfig({ ...complete, name: 'other' }, {}).name).toBe('gw-1');
    expect(
      resolveGatewayConfig({ ...complete, positionalName: undefined, name: 'other' }, {}).name,
    ).toBe('other');
  });

  it('name missing: one line naming --name and INFISICAL_GATEWAY_NAME', () => {
    const error = configError(() =>
      resolveGatewayConfig({ ...complete, positionalName: undefined }, {}),
    );
    expect(error.setting).toBe(GATEWAY_SETTINGS.name);
    expect(error.message).toMatch(/^--name \(INFISICAL_GATEWAY_NAME\): is required/);
    expect(error.message).not.toContain('\n');
  });

  it('nothing set: every missing setting at once, one line each', () => {
    expect(configError(() => resolveGatewayConfig({}, {})).message.split('\n')).toEqual([
      '--name (INFISICAL_GATEWAY_NAME): is required (the argument of start)',
      '--domain (INFISICAL_API_URL): is required: the control plane URL (or set INFISICAL_DOMAIN), e.g. https://burrow.example.com',
      'universal auth needs a client ID: set --client-id or INFISICAL_UNIVERSAL_AUTH_CLIENT_ID (or give a token with --token / INFISICAL_TOKEN)',
    ]);
  });

  it('name must be a slug of at most 32 characters', () => {
    expect(
      configError(() => resolveGatewayConfig({ ...complete, positionalName: 'GW 1' }, {})).message,
    ).toMatch(/--name \(INFISICAL_GATEWAY_NAME\): "GW 1" must be/);
    expect(
      configError(() => resolveGatewayConfig({ ...complete, positionalName: 'a'.repeat(33) }, {}))
        .setting,
    ).toBe(GATEWAY_SETTINGS.name);
  });

  it('relay: --target-relay-name > --relay > INFISICAL_RELAY_NAME', () => {
    const env = { INFISICAL_RELAY_NAME: 'from-env' };
    expect(resolveGatewayConfig({ ...complete, relay: 'alias' }, env).relayName).toBe('edge-1');
    expect(
      resolveGatewayConfig({ ...complete, targetRelayName: undefined, relay: 'alias' }, env)
        .relayName,
    ).toBe('alias');
    expect(resolveGatewayConfig({ ...complete, targetRelayName: undefined }, env).relayName).toBe(
      'from-env',
    );
  });

  it('relay missing: no relay names, the gateway selects one itself (reference §5.8)', () => {
    const config = resolveGatewayConfig({ ...complete, targetRelayName: undefined }, {});
    expect(config.relayName).toBeUndefined();
    expect(config.relayNames).toEqual([]);
  });

  it('relay list with an empty entry: refused naming the setting, not read as auto-selection', () => {
    const error = configError(() =>
      resolveGatewayConfig({ ...complete, targetRelayName: 'edge-1,' }, {}),
    );
    expect(error.message).toMatch(/^--target-relay-name \(INFISICAL_RELAY_NAME\): "" must be/);
  });

  it('domain: --domain, then INFISICAL_DOMAIN, then INFISICAL_API_URL (the reference’s order)', () => {
    const both = { INFISICAL_DOMAIN: 'https://d.example', INFISICAL_API_URL: 'https://a.example' };
    const noDomainFlag = { ...complete, domain: undefined };
    expect(resolveGatewayConfig(complete, both).apiUrl).toBe('http://127.0.0.1:8080/api');
    expect(resolveGatewayConfig(noDomainFlag, both).apiUrl).toBe('https://d.example/api');
    expect(
      resolveGatewayConfig(noDomainFlag, { INFISICAL_API_URL: 'https://a.example' }).apiUrl,
    ).toBe('https://a.example/api');
    // A bad INFISICAL_DOMAIN is named as such, not as --domain (INFISICAL_API_URL).
    expect(
      configError(() => resolveGatewayConfig(noDomainFlag, { ...both, INFISICAL_DOMAIN: 'x' }))
        .message,
    ).toBe('INFISICAL_DOMAIN: "x" is not a URL (expected http(s)://host[:port])');
    // `recordings export` reads the control plane the same way.
    expect(resolveControlPlaneConfig(noDomainFlag, both).apiUrl).toBe('https://d.example/api');
  });

  it('INFISICAL_CUSTOM_HEADERS: for every control plane request; bad ones named, values never quoted', () => {
    const env = { INFISICAL_CUSTOM_HEADERS: 'X-Org=acme CF-Access-Client-Secret="s3 cr3t"' };
    const headers = { 'X-Org': 'acme', 'CF-Access-Client-Secret': 's3 cr3t' };
    expect(resolveGatewayConfig(complete, env).customHeaders).toEqual(headers);
    expect(resolveControlPlaneConfig(complete, env).customHeaders).toEqual(headers);
    const bad = { INFISICAL_CUSTOM_HEADERS: 'X-Org=acme Authorization="Bearer s3cr3t"' };
    for (const resolve of [resolveGatewayConfig, resolveControlPlaneConfig]) {
      const error = configError(() => resolve(complete, bad));
      expect(error.message).toBe(
        'INFISICAL_CUSTOM_HEADERS: entry 2 (Authorization): Authorization is set by Burrow itself and cannot be replaced',
      );
      expect(error.message).not.toContain('s3cr3t');
    }
  });

  it('domain: required, must be an http(s) URL', () => {
    expect(
      configError(() => resolveGatewayConfig({ ...complete, domain: undefined }, {})).message,
    ).toMatch(/^--domain \(INFISICAL_API_URL\): is required/);
    expect(
      configError(() => resolveGatewayConfig({ ...complete, domain: 'not a url' }, {})).message,
    ).toMatch(/^--domain \(INFISICAL_API_URL\): "not a url" is not a URL/);
    expect(
      configError(() => resolveGatewayConfig({ ...complete, domain: 'ftp://x' }, {})).message,
    ).toMatch(/must use http or https/);
    expect(
      resolveGatewayConfig(
        { ...complete, domain: undefined },
        { INFISICAL_DOMAIN: 'https://burrow.example.com/api/' },
      ).apiUrl,
    ).toBe('https://burrow.example.com/api');
  });

  it('auth: universal-auth needs a client ID and secret, named in the message', () => {
    const base = { ...complete, token: undefined, authMethod: 'universal-auth' };
    expect(configError(() => resolveGatewayConfig(base, {})).message).toMatch(
      /--client-id or INFISICAL_UNIVERSAL_AUTH_CLIENT_ID/,
    );
    expect(
      configError(() => resolveGatewayConfig({ ...base, clientId: 'id' }, {})).message,
    ).toMatch(/--client-secret or INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET/);
    expect(
      resolveGatewayConfig(
        { ...base, clientId: 'id', clientSecret: 'secret', organizationSlug: 'acme' },
        {},
      ).login,
    ).toEqual({
      method: 'universal-auth',
      clientId: 'id',
      clientSecret: 'secret',
      organizationSlug: 'acme',
    });
  });

  it('auth: token auth without a token is refused', () => {
    expect(
      configError(() =>
        resolveGatewayConfig({ ...complete, token: undefined, authMethod: 'token' }, {}),
      ).message,
    ).toMatch(/--token or INFISICAL_TOKEN/);
  });

  it('auth: unknown methods are refused with a clear line', () => {
    const error = configError(() =>
      resolveGatewayConfig({ ...complete, authMethod: 'nonsense' }, {}),
    );
    expect(error.message).toBe(
      '--auth-method (INFISICAL_AUTH_METHOD): "nonsense" is not a login method (use one of universal-auth, token, kubernetes, aws-iam, gcp-id-token, gcp-iam, azure, oidc-auth, jwt-auth)',
    );
  });

  it('auth: identity-based methods take --machine-identity-id and their own source', () => {
    expect(
      configError(() => resolveGatewayConfig({ ...complete, authMethod: 'kubernetes' }, {}))
        .message,
    ).toMatch(/--machine-identity-id or INFISICAL_MACHINE_IDENTITY_ID/);
    expect(
      resolveGatewayConfig(
        { ...complete, authMethod: 'kubernetes', machineIdentityId: 'id-1' },
        { INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH: '/tmp/token' },
      ).login,
    ).toEqual({ method: 'kubernetes', identityId: 'id-1', serviceAccountTokenPath: '/tmp/token' });
    expect(
      resolveGatewayConfig(
        { ...complete, authMethod: 'jwt-auth', machineIdentityId: 'id-2', jwt: 'a.b.c' },
        {},
      ).login,
    ).toEqual({ method: 'jwt-auth', identityId: 'id-2', jwt: 'a.b.c' });
  });

  it('log level must be a pino level', () => {
    expect(resolveGatewayConfig({ ...complete, logLevel: 'debug' }, {}).logLevel).toBe('debug');
    expect(
      configError(() => resolveGatewayConfig({ ...complete, logLevel: 'loud' }, {})).message,
    ).toMatch(/^--log-level \(BURROW_LOG_LEVEL\): "loud" is not one of/);
  });
});

describe('burrow-gateway CLI', () => {
  const ENV_KEYS = [
    'INFISICAL_GATEWAY_NAME',
    'INFISICAL_RELAY_NAME',
    'INFISICAL_API_URL',
    'INFISICAL_DOMAIN',
    'INFISICAL_CUSTOM_HEADERS',
    'INFISICAL_TOKEN',
    'INFISICAL_AUTH_METHOD',
    'INFISICAL_UNIVERSAL_AUTH_CLIENT_ID',
    'INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET',
    'INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN',
    'INFISICAL_AUTH_ORGANIZATION_SLUG',
    'TOKEN',
    'BURROW_LOG_LEVEL',
  ];
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
    for (const key of ENV_KEYS) delete process.env[key];
  });
  afterEach(() => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  async function parse(args: string[]): Promise<{ config?: GatewayConfig; output: string }> {
    let config: GatewayConfig | undefined;
    let output = '';
    const program = createCli({
      start: async (c) => {
        config = c;
      },
    });
    program.exitOverride();
    program.configureOutput({ writeOut: (s) => (output += s), writeErr: (s) => (output += s) });
    for (const command of program.commands) {
      command.exitOverride();
      command.configureOutput({ writeOut: (s) => (output += s), writeErr: (s) => (output += s) });
    }
    try {
      await program.parseAsync(['node', 'burrow-gateway', ...args]);
    } catch (error) {
      if (!(error instanceof CommanderError) || error.code !== 'commander.helpDisplayed') {
        throw error;
      }
    }
    return { ...(config ? { config } : {}), output };
  }

  it('start --help lists every flag with its environment variable', async () => {
    const output = (await parse(['start', '--help'])).output.replace(/\s+/g, ' ');
    for (const [flag, env] of [
      ['--name', 'INFISICAL_GATEWAY_NAME'],
      ['--target-relay-name', 'INFISICAL_RELAY_NAME'],
      ['--domain', 'INFISICAL_API_URL'],
      ['--auth-method', 'INFISICAL_AUTH_METHOD'],
      ['--token', 'INFISICAL_TOKEN'],
      ['--client-id', 'INFISICAL_UNIVERSAL_AUTH_CLIENT_ID'],
      ['--client-secret', 'INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET'],
      ['--organization-slug', 'INFISICAL_AUTH_ORGANIZATION_SLUG'],
      ['--log-level', 'BURROW_LOG_LEVEL'],
    ]) {
      expect(output).toContain(flag);
      expect(output).toContain(`env: ${env}`);
    }
    expect(output).toContain('--relay');
    expect(output).toMatch(/none: the gateway selects the fastest healthy relay itself/);
    expect(output).toContain('INFISICAL_DOMAIN');
    expect(output).toContain('INFISICAL_CUSTOM_HEADERS');
  });

  it('INFISICAL_DOMAIN beats INFISICAL_API_URL; a typed --domain beats both', async () => {
    Object.assign(process.env, {
      INFISICAL_RELAY_NAME: 'edge-env',
      INFISICAL_API_URL: 'http://127.0.0.1:9000',
      INFISICAL_DOMAIN: 'http://127.0.0.1:9001',
      INFISICAL_TOKEN: 'tok',
    });
    expect((await parse(['start', 'gw-1'])).config?.apiUrl).toBe('http://127.0.0.1:9001/api');
    expect(
      (await parse(['start', 'gw-1', '--domain', 'http://127.0.0.1:9002'])).config?.apiUrl,
    ).toBe('http://127.0.0.1:9002/api');
  });

  it('reads everything from the reference environment variables', async () => {
    Object.assign(process.env, {
      INFISICAL_GATEWAY_NAME: 'gw-env',
      INFISICAL_RELAY_NAME: 'edge-env',
      INFISICAL_API_URL: 'http://127.0.0.1:9000',
      INFISICAL_AUTH_METHOD: 'universal-auth',
      INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: 'cid',
      INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: 'csecret',
    });
    const { config } = await parse(['start']);
    expect(config).toEqual({
      name: 'gw-env',
      relayName: 'edge-env',
      relayNames: ['edge-env'],
      apiUrl: 'http://127.0.0.1:9000/api',
      customHeaders: {},
      login: { method: 'universal-auth', clientId: 'cid', clientSecret: 'csecret' },
      logLevel: 'info',
      pamSessionRecordingMaxBytes: 10 * 1024 ** 3,
    });
    process.env.BURROW_GATEWAY_PAM_SESSION_RECORDING_MAX_BYTES = '3GiB';
    expect((await parse(['start'])).config?.pamSessionRecordingMaxBytes).toBe(3 * 1024 ** 3);
    delete process.env.BURROW_GATEWAY_PAM_SESSION_RECORDING_MAX_BYTES;
  });

  it('command line beats environment: positional name, --relay over INFISICAL_RELAY_NAME', async () => {
    Object.assign(process.env, {
      INFISICAL_GATEWAY_NAME: 'gw-env',
      INFISICAL_RELAY_NAME: 'edge-env',
      INFISICAL_API_URL: 'http://127.0.0.1:9000',
      INFISICAL_TOKEN: 'tok',
    });
    const { config } = await parse(['start', 'gw-arg', '--relay', 'edge-flag']);
    expect(config?.name).toBe('gw-arg');
    expect(config?.relayName).toBe('edge-flag');
    const both = await parse([
      'start',
      '--relay',
      'edge-flag',
      '--target-relay-name',
      'edge-target',
    ]);
    expect(both.config?.relayName).toBe('edge-target');
    expect(both.config?.name).toBe('gw-env');
  });

  it('bad configuration surfaces as a ConfigError from the start action', async () => {
    await expect(parse(['start', 'gw-1'])).rejects.toThrow(ConfigError);
  });
});

describe('several relays and the metrics listener', () => {
  const base = { positionalName: 'gw-1', domain: 'http://127.0.0.1:8080' };
  const env = { INFISICAL_TOKEN: 'identity-token' };
  it('takes a comma-separated relay list (HA), without duplicates', () => {
    const config = resolveGatewayConfig({ ...base, targetRelayName: 'edge-1, edge-2,edge-1' }, env);
    expect(config.relayName).toBe('edge-1');
    expect(config.relayNames).toEqual(['edge-1', 'edge-2']);
    expect(() => resolveGatewayConfig({ ...base, targetRelayName: 'edge-1,,x' }, env)).toThrow(
      '--target-relay-name (INFISICAL_RELAY_NAME)',
    );
  });
  it('serves metrics only when --metrics-listen-address is set', () => {
    expect(resolveGatewayConfig({ ...base, relay: 'edge-1' }, env).metricsListen).toBeUndefined();
    const config = resolveGatewayConfig(
      { ...base, relay: 'edge-1', metricsListenAddress: '0.0.0.0:9465' },
      env,
    );
    expect(config.metricsListen).toEqual({ host: '0.0.0.0', port: 9465 });
    expect(() =>
      resolveGatewayConfig({ ...base, relay: 'edge-1', metricsListenAddress: 'x' }, env),
    ).toThrow('--metrics-listen-address (BURROW_GATEWAY_METRICS_LISTEN_ADDRESS)');
  });
});

describe('an enrolled gateway (issue 21)', () => {
  let stateDir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-gw-state-'));
    env = { BURROW_ENROLLMENT_STATE_DIR: stateDir };
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));
  const enrolling = {
    positionalName: 'gw-1',
    domain: 'http://127.0.0.1:8080',
    enrollMethod: 'token',
    token: 'enrollment-token',
  };

  it('--enroll-method token: the token is the enrollment token, kept in the state file', () => {
    expect(resolveGatewayConfig(enrolling, env).login).toEqual({
      method: 'enrollment-token',
      kind: 'gateway',
      enrollmentToken: 'enrollment-token',
      stateFile: path.join(stateDir, 'gw-1.conf'),
    });
  });

  it('aws and unknown methods, or no token, are refused naming the setting', () => {
    expect(
      configError(() => resolveGatewayConfig({ ...enrolling, enrollMethod: 'aws' }, env)).message,
    ).toMatch(/^--enroll-method \(INFISICAL_GATEWAY_ENROLL_METHOD\): aws is not built in Burrow/);
    expect(
      configError(() => resolveGatewayConfig({ ...enrolling, token: undefined }, env)).message,
    ).toBe(
      '--token (INFISICAL_TOKEN): is required with --enroll-method token: the enrollment token an admin minted',
    );
  });

  it('INFISICAL_GATEWAY_ACCESS_TOKEN or the stored one, unless an identity login is set', () => {
    const plain = { positionalName: 'gw-1', domain: 'http://127.0.0.1:8080' };
    expect(
      resolveGatewayConfig(plain, { ...env, INFISICAL_GATEWAY_ACCESS_TOKEN: 'given' }).login,
    ).toEqual({ method: 'access-token', kind: 'gateway', accessToken: 'given' });
    fs.writeFileSync(
      path.join(stateDir, 'gw-1.conf'),
      'INFISICAL_GATEWAY_NAME=gw-1\nINFISICAL_GATEWAY_ACCESS_TOKEN=stored\n',
    );
    expect(resolveGatewayConfig(plain, env).login).toMatchObject({ accessToken: 'stored' });
    expect(resolveGatewayConfig({ ...plain, token: 'identity' }, env).login).toEqual({
      method: 'token',
      token: 'identity',
    });
  });
});
