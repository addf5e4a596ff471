/**
 * `burrow-relay systemd install <name>` and `burrow-relay systemd uninstall <name>` (reference
 * §3.6): the relay as a systemd service named `<name>`, its settings and secrets in
 * `/etc/infisical/relays/<name>.env.conf` (mode 0600), `systemctl daemon-reload` and `enable`.
 *
 * install takes the same settings as `start` (flags or their environment variables; passing
 * secrets through the environment keeps them out of `ps` and shell history), checks them exactly
 * as `start` would, and writes the ones given into the env file under their environment variable
 * names. The unit runs `<node> <this main.js> start`.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { installService, uninstallService } from '@burrow/systemd-install';
import type { RelayFlags, RelaySettingKey } from './relay-config.ts';
import { ConfigError, RELAY_SETTINGS, parseRelayConfig } from './relay-config.ts';

/** Settings that install does not take as flags: the name is the argument. */
const NOT_A_FLAG: ReadonlySet<RelaySettingKey> = new Set(['name']);

export function buildRelaySystemdCommand(): Command {
  const systemd = new Command('systemd')
    .description('install or remove the relay as a systemd service')
    .exitOverride();

  const install = systemd
    .command('install')
    .description(
      'write /etc/systemd/system/<name>.service and /etc/infisical/relays/<name>.env.conf (0600), then daemon-reload and enable',
    )
    .argument('<name>', 'relay name, a slug; also the service name')
    .exitOverride();
  for (const [key, setting] of Object.entries(RELAY_SETTINGS)) {
    if (NOT_A_FLAG.has(key as RelaySettingKey)) continue;
    install.addOption(
      new Option(`${setting.flag} ${setting.value}`, setting.help).env(setting.env),
    );
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
    .action(async (name: string, options: RelayFlags & { logFile?: string; root?: string }) => {
      await run(async () => {
        const flags: RelayFlags = { ...settingsOnly(options), name };
        flags.type ??= 'org';
        parseRelayConfig(flags, {}); // refuse what `start` would refuse, before writing anything
        const environment: Record<string, string> = {};
        for (const [key, value] of Object.entries(flags)) {
          if (value !== undefined && value !== '') {
            environment[RELAY_SETTINGS[key as RelaySettingKey].env] = value;
          }
        }
        const installed = await installService({
          kind: 'relay',
          name,
          execStart: [process.execPath, fs.realpathSync(process.argv[1] as string), 'start'],
          environment,
          logFile: options.logFile,
          root: options.root,
        });
        report(
          installed.written,
          installed.enabled ? `start it: systemctl start ${installed.unitName}` : undefined,
        );
      });
    });

  systemd
    .command('uninstall')
    .description('stop and disable the service, remove its unit and env file')
    .argument('<name>', 'relay (service) name')
    .addOption(new Option('--root <dir>', 'remove from under this directory and skip systemctl'))
    .exitOverride()
    .action(async (name: string, options: { root?: string }) => {
      await run(async () => {
        const { removed } = await uninstallService({ kind: 'relay', name, root: options.root });
        report(removed, removed.length === 0 ? `nothing installed for ${name}` : undefined);
      });
    });
  return systemd;
}

function settingsOnly(options: Record<string, string | undefined>): RelayFlags {
  const flags: RelayFlags = {};
  for (const key of Object.keys(RELAY_SETTINGS) as RelaySettingKey[]) {
    if (options[key] !== undefined) flags[key] = options[key];
  }
  return flags;
}

function report(files: readonly string[], hint: string | undefined): void {
  for (const file of files) process.stdout.write(`${file}\n`);
  if (hint !== undefined) process.stdout.write(`${hint}\n`);
}

/** Bad settings exit 2 with one line naming the setting; anything else exits 1. */
async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`burrow-relay systemd: ${message}\n`);
    process.exitCode = error instanceof ConfigError ? 2 : 1;
  }
}
