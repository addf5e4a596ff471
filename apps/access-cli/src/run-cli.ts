/**
 * The `burrow` program (main.ts loads it once the Node version is checked).
 *
 * Exit codes: 0 success (and after Ctrl-C ended a `pam access` session cleanly), 1 the operation
 * failed, 2 bad usage or configuration, 3 not logged in / login expired or refused, 130 a second
 * Ctrl-C while the session was ending. Failures are one line on stderr: `burrow: <message>`.
 */
import { dropOutputToClosedPipes } from '@burrow/observability';
import { CommanderError } from 'commander';
import { createCli, type CliContext } from './cli.ts';
import { CliError, EXIT_CODES } from './cli-error.ts';

/** Exit code after a second SIGINT/SIGTERM while ending (the shell's 128 + SIGINT). */
const EXIT_INTERRUPTED_TWICE = 130;

// `burrow pam access … | tee f`: the Ctrl-C that ends the session also kills tee; ending the
// session must not die on the first message it writes to the pipe tee left behind.
dropOutputToClosedPipes();

const context: CliContext = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  onInterrupt: (handler) => {
    let interrupted = false;
    const onSignal = (): void => {
      if (interrupted) process.exit(EXIT_INTERRUPTED_TWICE);
      interrupted = true;
      handler();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  },
};

const program = createCli(context);
// Throw instead of exiting, so usage errors get the usage exit code. Settings are copied to
// subcommands when they are created, so every command needs its own call.
const everyCommand = (command: typeof program): (typeof program)[] => [
  command,
  ...command.commands.flatMap(everyCommand),
];
for (const command of everyCommand(program)) command.exitOverride();

try {
  await program.parseAsync(process.argv);
  process.exit(EXIT_CODES.ok);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander printed its message (or the help/version text) already.
    process.exit(error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage);
  }
  if (error instanceof CliError) {
    process.stderr.write(`burrow: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(
    `burrow: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(EXIT_CODES.failure);
}
