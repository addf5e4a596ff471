/**
 * `burrow-gateway systemd install <name>` and `burrow-gateway systemd uninstall <name>` (reference
 * §5.10): the gateway as a systemd service named `<name>`, its settings and secrets in
 * `/etc/infisical/gateways/<name>.conf` (mode 0600), `systemctl daemon-reload` and `enable`.
 *
 * install takes the settings of `start` (flags or their environment variables; secrets passed
 * through the environment stay out of `ps` and shell history), checks them as `start` would, and
 * writes the ones given into the env file under their environment variable names, with the name as
 * INFISICAL_GATEWAY_NAME. The unit runs `<node> <this main.js> start`.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { installService, uninstallService } from '@burrow/systemd-install';
import type { GatewayFlags, GatewaySettingKey } from './gateway-config.ts';
import { ConfigError, GATEWAY_SETTINGS, resolveGatewayConfig } from './gateway-config.ts';

/** The settings install takes as flags (the name is the argument; --relay is a start-only alias). */
const INSTALL_SETTINGS: readonly GatewaySettingKey[] = [
  'targetRelayName',
  'domain',
  'authMethod',
  'token',
  'clientId',
  'clientSecret',
  'organizationSlug',
  'logLevel',
];

export function buildSystemdCommand(): Command {
  const systemd = new Command('systemd')
    .description('install or remove the gateway as a systemd service')
    .exitOverride();

  const install = systemd
    .command('install')
    .description(
      'write /etc/systemd/system/<name>.service and /etc/infisical/gateways/<name>.conf (0600), then daemon-reload and enable',
    )
    .argument('<name>', 'gateway name, a slug; also the service name')
    .exitOverride();
  for (const key of INSTALL_SETTINGS) {
    const setting = GATEWAY_SETTINGS[key];
    install.addOption(new Option(`${setting.flag} <value>`, setting.help).env(setting.env));
  }
  install
    .addOption(
      new Option(
        '--log-file <path>',
        'append the service output to this file (and rotate it daily)',
      ),
    )
    .addOption(
      new Option(
        '--root <dir>',
        'install under this directory and skip systemctl (tests, image builds)',
      ),
    )
    .action(async (name: string, options: Record<string, string | undefined>) => {
      await run(async () => {
        const flags: GatewayFlags = { positionalName: name };
        const environment: Record<string, string> = { [GATEWAY_SETTINGS.name.env]: name };
        for (const key of INSTALL_SETTINGS) {
          const value = options[key]?.trim();
          if (value === undefined || value === '') continue;
          flags[key] = value;
          environment[GATEWAY_SETTINGS[key].env] = value;
        }
        resolveGatewayConfig(flags, {}); // refuse what `start` would refuse, before writing anything
        const installed = await installService({
          kind: 'gateway',
          name,
          execStart: [process.execPath, fs.realpathSync(process.argv[1] as string), 'start'],
          environment,
          logFile: options.logFile,
          root: options.root,
        });
        for (const file of installed.written) process.stdout.write(`${file}\n`);
        if (installed.enabled)
          process.stdout.write(`start it: systemctl start ${installed.unitName}\n`);
      });
    });

  systemd
    .command('uninstall')
    .description('stop and disable the service, remove its unit and env file')
    .argument('<name>', 'gateway (service) name')
    .addOption(new Option('--root <dir>', 'remove from under this directory and skip systemctl'))
    .exitOverride()
    .action(async (name: string, options: { root?: string }) => {
      await run(async () => {
        const { removed } = await uninstallService({ kind: 'gateway', name, root: options.root });
        for (const file of removed) process.stdout.write(`${file}\n`);
        if (removed.length === 0) process.stdout.write(`nothing installed for ${name}\n`);
      });
    });
  return systemd;
}

/** Bad settings exit 2 with one line naming the setting; anything else exits 1. */
async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`burrow-gateway systemd: ${message}\n`);
    process.exitCode = error instanceof ConfigError ? 2 : 1;
  }
}
