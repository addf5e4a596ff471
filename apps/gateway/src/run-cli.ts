/**
 * The `burrow-gateway` program (main.ts loads it once the Node version is checked).
 *
 * Exit codes: 0 after a clean stop (SIGINT/SIGTERM) and after the control plane revoked the
 * gateway (deleted it or its identity: a restart could not help, so systemd's Restart=on-failure
 * leaves it stopped), 1 when the gateway cannot start (login or
 * registration refused; for other commands, a {@link CommandFailure}: one line on stderr), 2 for
 * bad configuration (one line on stderr naming the setting).
 */
import { createLogger } from '@burrow/observability';
import { CommanderError } from 'commander';
import { createCli } from './cli.ts';
import { CommandFailure } from './ops/command-failure.ts';
import type { GatewayConfig } from './ops/gateway-config.ts';
import { ConfigError } from '@burrow/observability';

/** A stop that takes longer than this (stuck socket, slow control plane) is cut short. */
const SHUTDOWN_DEADLINE_MS = 9_000;

const EXIT_FAILURE = 1;

/** Logging must never stop a shutdown: a failed write (closed pipe) is dropped. */
function logQuietly(write: () => void): void {
  try {
    write();
  } catch {
    // nothing to do: the stop goes on
  }
}
const EXIT_BAD_CONFIG = 2;

async function runGateway(config: GatewayConfig): Promise<void> {
  const logger = createLogger({ name: 'burrow-gateway', level: config.logLevel });
  // Loaded here, not at the top: the other commands (recordings, systemd, --help) then start
  // without the gateway's runtime (ssh2, the PAM proxies, the HTTP forwarder): a third of the CPU
  // of `recordings list`, many seconds of wall time on a loaded machine.
  const [{ Gateway }, { dialRelay }] = await Promise.all([
    import('./gateway.ts'),
    import('./tunnel/relay-dialer.ts'),
  ]);
  const gateway = new Gateway(config, logger, { dialRelay });
  let stopping = false;
  // Signals first, output second: the deadline is armed before anything is written (a write to a
  // closed stdout must not leave a gateway that ignores every later signal), and a second signal
  // exits at once, as the relay does.
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(EXIT_FAILURE);
    stopping = true;
    const deadline = setTimeout(() => process.exit(EXIT_FAILURE), SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    gateway
      .stop()
      .then(() => {
        logQuietly(() => logger.info('gateway stopped'));
        process.exit(0);
      })
      .catch((error: unknown) => {
        logQuietly(() => logger.error({ error: String(error) }, 'error while stopping'));
        process.exit(EXIT_FAILURE);
      });
    logQuietly(() => logger.info({ signal, deadlineMs: SHUTDOWN_DEADLINE_MS }, 'stopping gateway'));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  void gateway.revoked.then((reason) => {
    process.stderr.write(
      `burrow-gateway: stopped: the control plane revoked this gateway: ${reason}\n`,
    );
    process.exit(0);
  });
  try {
    await gateway.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ error: message }, 'gateway cannot start');
    process.stderr.write(`burrow-gateway: cannot start: ${message}\n`);
    await gateway.stop().catch(() => undefined);
    process.exit(EXIT_FAILURE);
  }
}

const program = createCli({ start: runGateway });
// Throw instead of exiting, so usage errors get the bad-configuration exit code too. Settings are
// copied to subcommands when they are created, so `start` needs its own call.
for (const command of [program, ...program.commands]) command.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander printed its message (or the help/version text) already.
    const ok = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
    process.exit(ok ? 0 : error.exitCode === 0 ? 0 : EXIT_BAD_CONFIG);
  }
  if (error instanceof CommandFailure) {
    process.stderr.write(`burrow-gateway: ${error.message}\n`);
    process.exit(EXIT_FAILURE);
  }
  if (error instanceof ConfigError) {
    // One line per bad setting (all of them at once).
    for (const line of error.message.split('\n')) process.stderr.write(`burrow-gateway: ${line}\n`);
    process.exit(EXIT_BAD_CONFIG);
  }
  throw error;
}
