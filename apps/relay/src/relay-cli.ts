/**
 * The `burrow-relay` command line (commander): `burrow-relay start` with the reference's flags,
 * each also read from its environment variable and listed with it in `--help`.
 *
 * Exit codes: 0 after a clean shutdown, 1 when the relay cannot start or stop cleanly, 2 for bad
 * configuration (one line on stderr naming the setting).
 */
import { CONTROL_PLANE_ENVIRONMENT_HELP } from '@burrow/auth-methods';
import { ConfigError, createLogger } from '@burrow/observability';
import { Command, CommanderError, Option } from 'commander';
import type { Logger } from '@burrow/observability';
import type { RelayFlags, RelaySettingKey } from './relay-config.ts';
import {
  DEFAULT_SSH_LISTEN_ADDRESS,
  DEFAULT_TLS_LISTEN_ADDRESS,
  RELAY_SETTINGS,
  parseRelayConfig,
} from './relay-config.ts';
import { buildRelaySystemdCommand } from './relay-systemd-command.ts';
import { RELAY_DRAIN_TIMEOUT_MS } from '@burrow/tunnel-protocol';
import type { RunningRelay } from './relay.ts';
import { startRelay } from './relay.ts';

/**
 * After the first SIGINT/SIGTERM the relay has this long to stop before it exits anyway: the drain
 * deadline plus time to close what is left.
 */
export const SHUTDOWN_TIMEOUT_MS = RELAY_DRAIN_TIMEOUT_MS + 10_000;

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_CONFIGURATION = 2;

const DEFAULTS: Partial<Record<RelaySettingKey, string>> = {
  type: 'org',
  sshListenAddress: DEFAULT_SSH_LISTEN_ADDRESS,
  tlsListenAddress: DEFAULT_TLS_LISTEN_ADDRESS,
  logLevel: 'info',
};

export function buildRelayProgram(version: string): Command {
  const program = new Command('burrow-relay')
    .description(
      'Burrow relay: gateways dial in over SSH, callers over TLS; the relay pipes bytes it cannot read.',
    )
    .version(version, '-v, --version')
    .exitOverride()
    .showHelpAfterError();

  const start = program
    .command('start')
    .description('register with the control plane and serve gateways and callers');
  for (const [key, setting] of Object.entries(RELAY_SETTINGS)) {
    const option = new Option(`${setting.flag} ${setting.value}`, setting.help).env(setting.env);
    const fallback = DEFAULTS[key as RelaySettingKey];
    if (fallback !== undefined) option.default(fallback);
    start.addOption(option);
  }
  start.addHelpText(
    'after',
    `
${CONTROL_PLANE_ENVIRONMENT_HELP}

Enrolled relay: --enroll-method token --token <enrollment token> logs in once; the relay access
token is kept in /etc/infisical/relays/<name>.conf (root) or ~/.infisical/relays/<name>.conf
(mode 0600; BURROW_ENROLLMENT_STATE_DIR moves it) and used again on every start, as is
INFISICAL_RELAY_ACCESS_TOKEN when no identity login is set. Not built: --enroll-method aws.`,
  );
  start.action(async (flags: RelayFlags, command: Command) => {
    // INFISICAL_DOMAIN beats INFISICAL_API_URL, which commander folded into --domain: keep only
    // a typed --domain, and let the config read both variables in the reference's order.
    if (command.getOptionValueSource('domain') !== 'cli') delete flags.domain;
    await runStart(flags);
  });
  program.addCommand(buildRelaySystemdCommand());
  return program;
}

/** Parses argv and runs the command; never returns for `start` until the relay has stopped. */
export async function runRelayCli(argv: string[], version: string): Promise<void> {
  const program = buildRelayProgram(version);
  try {
    await program.parseAsync(withVersionAlias(argv));
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok = error.exitCode === 0;
      process.exit(ok ? EXIT_OK : EXIT_BAD_CONFIGURATION);
    }
    throw error;
  }
}

/** `-V` (the relay's and control plane's version flag before all four took `-v`) still prints the version; --help lists only `-v, --version`. */
export function withVersionAlias(argv: string[]): string[] {
  return argv[2] === '-V' ? [...argv.slice(0, 2), '--version', ...argv.slice(3)] : argv;
}

async function runStart(flags: RelayFlags): Promise<void> {
  let config;
  try {
    config = parseRelayConfig(flags, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line per bad setting (all of them at once).
      for (const line of error.message.split('\n'))
        process.stderr.write(`burrow-relay start: ${line}\n`);
      process.exit(EXIT_BAD_CONFIGURATION);
    }
    throw error;
  }
  const logger = createLogger({ name: 'burrow-relay', level: config.logLevel });
  let relay: RunningRelay | undefined;
  installSignalHandlers(logger, () => relay);
  try {
    relay = await startRelay(config, logger);
    void relay.deleted.then((reason) => {
      // Exit 0: a restart could not bring a deleted relay back (its name is refused).
      process.stderr.write(
        `burrow-relay: stopped: the control plane deleted this relay: ${reason}\n`,
      );
      process.exit(EXIT_OK);
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: message }, 'Relay failed to start');
    // The same plain line as burrow-gateway's, for a person reading a terminal.
    process.stderr.write(`burrow-relay: cannot start: ${message}\n`);
    process.exit(EXIT_FAILURE);
  }
}

function installSignalHandlers(logger: Logger, running: () => RunningRelay | undefined): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'Second signal: exiting now');
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    const relay = running();
    if (relay === undefined) {
      logger.info({ signal }, 'Signal during startup: exiting');
      process.exit(EXIT_OK);
    }
    logger.info({ signal }, 'Shutting down');
    const deadline = setTimeout(() => {
      logger.error(`Shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms: exiting`);
      process.exit(EXIT_FAILURE);
    }, SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    // SIGTERM (systemd stop, docker stop, a rolling restart) drains; SIGINT (Ctrl-C) stops now.
    const stopped = signal === 'SIGTERM' ? relay.drain(RELAY_DRAIN_TIMEOUT_MS) : relay.stop();
    stopped.then(
      () => {
        logger.info('Relay stopped');
        process.exit(EXIT_OK);
      },
      (error: unknown) => {
        logger.error({ err: (error as Error).message }, 'Relay did not stop cleanly');
        process.exit(EXIT_FAILURE);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
