/**
 * The `systemd` command of `burrow-relay` and `burrow-gateway` (reference §3.6, §5.10):
 *
 *   <program> systemd install <name> [settings of start] [--log-file <path>] [--root <dir>]
 *   <program> systemd uninstall <name> [--root <dir>]
 *
 * install checks the settings as `start` would (the program's `environment` callback), writes
 * them into the 0600 env file under their environment variable names, and a unit that runs
 * `<node> <this main.js> start`; it prints the files written and, when enabled, how to start it.
 * uninstall prints what it removed. A bad setting exits 2 with one line naming the setting;
 * anything else exits 1.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { installService, uninstallService } from './service-install.ts';
import type { ServiceKind } from './service-layout.ts';
import { envFilePath } from './service-layout.ts';

/** One setting of `start` that install takes as an option. */
export interface InstallSetting {
  /** Commander flags, e.g. `--host <host>`; the option's key is the camel-cased long flag. */
  readonly flags: string;
  readonly help: string;
  /** The environment variable commander falls back to. */
  readonly env: string;
}

export interface InstallContext {
  /** The environment install runs in. */
  readonly env: NodeJS.ProcessEnv;
  /** Whether the option `key` was typed on the command line (not taken from its variable). */
  typed(key: string): boolean;
}

export interface SystemdCommandSpec {
  readonly kind: ServiceKind;
  /** The program name that starts error lines, e.g. `burrow-relay`. */
  readonly program: string;
  readonly settings: readonly InstallSetting[];
  /**
   * Checks the options of install (keyed as commander keys them) as `start` would, throwing for
   * a bad one, and returns what goes into the env file. `context` carries what the options alone
   * cannot say: the installing shell's environment (settings with no flag, such as
   * INFISICAL_DOMAIN) and whether an option was typed or filled in from its variable.
   */
  environment(
    name: string,
    options: Readonly<Record<string, string | undefined>>,
    context: InstallContext,
  ): Record<string, string>;
  /** Whether `error` is a bad setting (exit 2). */
  isSettingError(error: unknown): boolean;
}

export function buildSystemdCommand(spec: SystemdCommandSpec): Command {
  const { kind } = spec;
  const systemd = new Command('systemd')
    .description(`install or remove the ${kind} as a systemd service`)
    .exitOverride();

  const install = systemd
    .command('install')
    .description(
      `write /etc/systemd/system/<name>.service and ${envFilePath(kind, '<name>')} (0600), then daemon-reload and enable`,
    )
    .argument('<name>', `${kind} name, a slug; also the service name`)
    .exitOverride();
  for (const setting of spec.settings) {
    install.addOption(new Option(setting.flags, setting.help).env(setting.env));
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
      await run(spec, async () => {
        const environment = spec.environment(name, options, {
          env: process.env,
          typed: (key) => install.getOptionValueSource(key) === 'cli',
        });
        const installed = await installService({
          kind,
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
    .argument('<name>', `${kind} (service) name`)
    .addOption(new Option('--root <dir>', 'remove from under this directory and skip systemctl'))
    .exitOverride()
    .action(async (name: string, options: { root?: string }) => {
      await run(spec, async () => {
        const { removed } = await uninstallService({ kind, name, root: options.root });
        report(removed, removed.length === 0 ? `nothing installed for ${name}` : undefined);
      });
    });
  return systemd;
}

function report(files: readonly string[], hint: string | undefined): void {
  for (const file of files) process.stdout.write(`${file}\n`);
  if (hint !== undefined) process.stdout.write(`${hint}\n`);
}

async function run(spec: SystemdCommandSpec, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    for (const line of message.split('\n'))
      process.stderr.write(`${spec.program} systemd: ${line}\n`);
    process.exitCode = spec.isSettingError(error) ? 2 : 1;
  }
}
