/**
 * An error the user can act on: `main.ts` prints its message as one line on stderr
 * (`burrow: <message>`) and exits with its code; no stack trace.
 *
 * Exit codes:
 *   1 the operation failed (refused by the platform, gateway or relay unreachable, ...)
 *   2 bad usage or configuration (unknown flag, invalid duration, ...)
 *   3 not logged in, or the stored login expired or was refused
 *
 * @example
 *   throw new CliError('PAM account prod/orders-db not found', EXIT_CODES.failure);
 */
export const EXIT_CODES = {
  ok: 0,
  failure: 1,
  usage: 2,
  notLoggedIn: 3,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT_CODES.failure, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
