/**
 * The `burrow-gateway` command line (reference §5.9):
 *
 *   burrow-gateway start [name] [--target-relay-name <relay>] [--domain <url>]
 *                        [--auth-method <method>] [--token <token>]
 *                        [--client-id <id>] [--client-secret <secret>] [--organization-slug <slug>]
 *                        [--machine-identity-id <id>] [--service-account-token-path <path>]
 *                        [--service-account-key-file-path <path>] [--jwt <jwt>]
 *                        [--log-level <level>]
 *   burrow-gateway recordings list|export …   (recordings-command.ts)
 *   burrow-gateway systemd install|uninstall … (systemd-command.ts)
 *
 * Every flag has an environment variable (shown in `--help`); see gateway-config.ts for the
 * precedence and the validation.
 */
import { Command, Option } from 'commander';
import { CONTROL_PLANE_ENVIRONMENT_HELP } from '@burrow/auth-methods';
import type { GatewayConfig, GatewayFlags, GatewaySettingKey } from './ops/gateway-config.ts';
import { GATEWAY_SETTINGS, resolveGatewayConfig } from './ops/gateway-config.ts';
import { packageVersion } from './ops/package-version.ts';
import { buildRecordingsCommand } from './ops/recordings-command.ts';
import { buildSystemdCommand } from './ops/systemd-command.ts';

/** Flags that take a value, in the order `--help` lists them. */
const OPTION_ORDER: readonly GatewaySettingKey[] = [
  'name',
  'targetRelayName',
  'relay',
  'domain',
  'authMethod',
  'token',
  'enrollMethod',
  'gatewayId',
  'clientId',
  'clientSecret',
  'organizationSlug',
  'machineIdentityId',
  'serviceAccountTokenPath',
  'serviceAccountKeyFilePath',
  'jwt',
  'pamSessionRecordingPath',
  'pamSessionRecordingMaxBytes',
  'metricsListenAddress',
  'logLevel',
];

/** --relay is an alias of --target-relay-name; the environment variable belongs to the latter. */
const WITHOUT_ENV: ReadonlySet<GatewaySettingKey> = new Set(['relay']);

export interface CliActions {
  start: (config: GatewayConfig) => Promise<void>;
}

/**
 * Builds the program; `start`'s action validates the flags (throwing ConfigError) and runs
 * `actions.start`.
 *
 * @example
 *   await createCli({ start: runGateway }).parseAsync(process.argv);
 */
export function createCli(actions: CliActions, env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command('burrow-gateway')
    .description(
      'Burrow gateway: dials out to a relay over SSH and serves end-to-end mTLS tunnels to private targets.',
    )
    .version(packageVersion(), '-v, --version');

  const start = program
    .command('start')
    .description(
      'register with the control plane, connect to the relay and serve tunnels until SIGINT/SIGTERM',
    )
    .argument('[name]', `gateway name, a slug (or --name / ${GATEWAY_SETTINGS.name.env})`);
  for (const key of OPTION_ORDER) {
    const setting = GATEWAY_SETTINGS[key];
    const option = new Option(`${setting.flag} <value>`, setting.help);
    start.addOption(WITHOUT_ENV.has(key) ? option : option.env(setting.env));
  }
  start.addHelpText(
    'after',
    `
${CONTROL_PLANE_ENVIRONMENT_HELP}

Enrolled gateway: --enroll-method token --token <enrollment token> enrolls once; the gateway
access token is kept in /etc/infisical/gateways/<name>.conf (root) or
~/.infisical/gateways/<name>.conf (mode 0600; BURROW_ENROLLMENT_STATE_DIR moves it) and used again
on every start, as is INFISICAL_GATEWAY_ACCESS_TOKEN when no identity login is set.
Not built: --enroll-method aws.`,
  );
  start.action(async (positionalName: string | undefined, _options: unknown, command: Command) => {
    const options = command.opts<Record<string, string | undefined>>();
    const fromCommandLine = (key: GatewaySettingKey): string | undefined =>
      command.getOptionValueSource(key) === 'cli' ? options[key] : undefined;
    const flags: GatewayFlags = {
      positionalName,
      name: options.name,
      // INFISICAL_RELAY_NAME must not beat --relay typed on the command line.
      targetRelayName: fromCommandLine('targetRelayName'),
      relay: fromCommandLine('relay'),
      // INFISICAL_DOMAIN beats INFISICAL_API_URL (commander's fallback): both are read from env.
      domain: fromCommandLine('domain'),
      authMethod: options.authMethod,
      token: options.token,
      enrollMethod: options.enrollMethod,
      gatewayId: options.gatewayId,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      organizationSlug: options.organizationSlug,
      machineIdentityId: options.machineIdentityId,
      serviceAccountTokenPath: options.serviceAccountTokenPath,
      serviceAccountKeyFilePath: options.serviceAccountKeyFilePath,
      jwt: options.jwt,
      pamSessionRecordingPath: options.pamSessionRecordingPath,
      pamSessionRecordingMaxBytes: options.pamSessionRecordingMaxBytes,
      metricsListenAddress: options.metricsListenAddress,
      logLevel: options.logLevel,
    };
    await actions.start(resolveGatewayConfig(flags, env));
  });
  program.addCommand(buildSystemdCommand());
  program.addCommand(buildRecordingsCommand(env));
  return program;
}
