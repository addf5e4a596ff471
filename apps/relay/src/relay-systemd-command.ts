/**
 * `burrow-relay systemd install <name>` and `burrow-relay systemd uninstall <name>` (reference
 * §3.6): the relay as a systemd service named `<name>`, its settings and secrets in
 * `/etc/infisical/relays/<name>.env.conf` (mode 0600), `systemctl daemon-reload` and `enable`.
 *
 * install takes the same settings as `start` (flags or their environment variables; passing
 * secrets through the environment keeps them out of `ps` and shell history), checks them exactly
 * as `start` would, and writes the ones given into the env file under their environment variable
 * names, with the control plane's INFISICAL_DOMAIN and INFISICAL_CUSTOM_HEADERS (no flags) taken
 * from install's environment. The unit runs `<node> <this main.js> start`.
 */
import type { Command } from 'commander';
import { controlPlaneEnvironment } from '@burrow/auth-methods';
import { buildSystemdCommand } from '@burrow/systemd-install';
import type { RelayFlags, RelaySettingKey } from './relay-config.ts';
import { ConfigError } from '@burrow/observability';
import { RELAY_SETTINGS, parseRelayConfig } from './relay-config.ts';

/** Settings that install does not take as flags: the name is the argument. */
const NOT_A_FLAG: ReadonlySet<RelaySettingKey> = new Set(['name']);

export function buildRelaySystemdCommand(): Command {
  return buildSystemdCommand({
    kind: 'relay',
    program: 'burrow-relay',
    settings: Object.entries(RELAY_SETTINGS)
      .filter(([key]) => !NOT_A_FLAG.has(key as RelaySettingKey))
      .map(([, setting]) => ({
        flags: `${setting.flag} ${setting.value}`,
        help: setting.help,
        env: setting.env,
      })),
    environment(name, options, { env, typed }) {
      const { domain, ...flags }: RelayFlags = { ...settingsOnly(options), name };
      flags.type ??= 'org';
      const controlPlane = controlPlaneEnvironment(typed('domain') ? domain : undefined, env);
      // refuse what `start` would refuse with this env file, before writing anything
      parseRelayConfig(flags, controlPlane);
      const environment: Record<string, string> = {};
      for (const [key, value] of Object.entries(flags)) {
        if (value !== undefined && value !== '') {
          environment[RELAY_SETTINGS[key as RelaySettingKey].env] = value;
        }
      }
      return { ...environment, ...controlPlane };
    },
    isSettingError: (error) => error instanceof ConfigError,
  });
}

function settingsOnly(options: Readonly<Record<string, string | undefined>>): RelayFlags {
  const flags: RelayFlags = {};
  for (const key of Object.keys(RELAY_SETTINGS) as RelaySettingKey[]) {
    if (options[key] !== undefined) flags[key] = options[key];
  }
  return flags;
}
