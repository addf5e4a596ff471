/**
 * @burrow/systemd-install: `burrow-relay systemd install <name>` and
 * `burrow-gateway systemd install <name>` share this (reference §3.6, §5.10).
 */
export { parseEnvFile, renderEnvFile } from './env-file.ts';
export { execCommandLine, quoteExecArgument } from './exec-command-line.ts';
export { renderLogrotateConfig } from './logrotate-config.ts';
export { notifyReady, type ReadyOutcome } from './ready-notification.ts';
export type {
  InstallServiceOptions,
  InstalledService,
  UninstallServiceOptions,
} from './service-install.ts';
export { installService, uninstallService } from './service-install.ts';
export type { ServiceKind, ServiceLayout } from './service-layout.ts';
export { assertServiceName, envFilePath, serviceLayout, underRoot } from './service-layout.ts';
export type { Systemctl } from './systemctl.ts';
export type { InstallContext, InstallSetting, SystemdCommandSpec } from './systemd-command.ts';
export { buildSystemdCommand } from './systemd-command.ts';
export { runSystemctl } from './systemctl.ts';
export type { UnitFileOptions } from './unit-file.ts';
export { SERVICE_LIMITS, renderUnitFile } from './unit-file.ts';
