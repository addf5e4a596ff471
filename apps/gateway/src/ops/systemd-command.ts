/**
 * `burrow-gateway systemd install <name>` and `burrow-gateway systemd uninstall <name>` (reference
 * §5.10): the gateway as a systemd service named `<name>`, its settings and secrets in
 * `/etc/infisical/gateways/<name>.conf` (mode 0600), `systemctl daemon-reload` and `enable`.
 *
 * install takes the settings of `start` (flags or their environment variables; secrets passed
 * through the environment stay out of `ps` and shell history), checks them as `start` would, and
 * writes the ones given into the env file under their environment variable names, with the name as
 * INFISICAL_GATEWAY_NAME, and the control plane's INFISICAL_DOMAIN and INFISICAL_CUSTOM_HEADERS
 * (no flags) taken from install's environment. The unit runs `<node> <this main.js> start`.
 */
import type { Command } from 'commander';
import { controlPlaneEnvironment } from '@burrow/auth-methods';
import { buildSystemdCommand as buildServiceCommand } from '@burrow/systemd-install';
import type { GatewayFlags, GatewaySettingKey } from './gateway-config.ts';
import { ConfigError } from '@burrow/observability';
import { GATEWAY_SETTINGS, resolveGatewayConfig } from './gateway-config.ts';

/** The settings install takes as flags (the name is the argument; --relay is a start-only alias). */
const INSTALL_SETTINGS: readonly GatewaySettingKey[] = [
  'targetRelayName',
  'domain',
  'authMethod',
  'token',
  'enrollMethod',
  'gatewayId',
  'clientId',
  'clientSecret',
  'organizationSlug',
  'logLevel',
];

export function buildSystemdCommand(): Command {
  return buildServiceCommand({
    kind: 'gateway',
    program: 'burrow-gateway',
    settings: INSTALL_SETTINGS.map((key) => {
      const setting = GATEWAY_SETTINGS[key];
      return { flags: `${setting.flag} <value>`, help: setting.help, env: setting.env };
    }),
    environment(name, options, { env, typed }) {
      const flags: GatewayFlags = { positionalName: name };
      const environment: Record<string, string> = { [GATEWAY_SETTINGS.name.env]: name };
      for (const key of INSTALL_SETTINGS) {
        const value = options[key]?.trim();
        if (key === 'domain' || value === undefined || value === '') continue;
        flags[key] = value;
        environment[GATEWAY_SETTINGS[key].env] = value;
      }
      const controlPlane = controlPlaneEnvironment(
        typed('domain') ? options.domain : undefined,
        env,
      );
      // refuse what `start` would refuse with this env file, before writing anything
      resolveGatewayConfig(flags, controlPlane);
      return { ...environment, ...controlPlane };
    },
    isSettingError: (error) => error instanceof ConfigError,
  });
}
