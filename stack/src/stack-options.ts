/**
 * burrow-stack's command line: `[--once] [--keep-data] [-h|--help]`. Kept free of any import
 * beyond Node's own so `scripts/run-stack.sh` can run this file straight from source (Node strips
 * the types) and refuse a bad argument in a second, before installing and building anything:
 *
 *   node stack/src/stack-options.ts "$@"   # exit 0 (help printed when asked), or 2 + usage
 */
import { parseArgs } from 'node:util';

export const STACK_USAGE = `Usage: scripts/run-stack.sh [--once] [--keep-data]      (burrow-stack, stack/dist/main.js)

Starts control plane, relay, gateway and a demo echo target on 127.0.0.1, checks that the
control plane reaches the target through relay and gateway, and keeps running until Ctrl-C.

Options:
  --once        exit after the round trip instead of waiting for Ctrl-C (for CI smoke runs)
  --keep-data   keep the scratch directory (data, logs) after exit
  -h, --help    show this help
`;

export interface StackOptions {
  once: boolean;
  keepData: boolean;
  help: boolean;
}

/** A bad argument, with the message to print before the usage. */
export class StackUsageError extends Error {
  override name = 'StackUsageError';
}

export function parseStackOptions(args: string[]): StackOptions {
  try {
    const { values } = parseArgs({
      args,
      options: {
        once: { type: 'boolean' },
        'keep-data': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    return {
      once: values.once === true,
      keepData: values['keep-data'] === true,
      help: values.help === true,
    };
  } catch (error) {
    // parseArgs says e.g. "Unknown option '--bogus'. To specify a positional argument ..."
    const message = (error as Error).message.split('. ')[0] ?? String(error);
    throw new StackUsageError(message);
  }
}

/** Parses `args`; on a bad one prints `burrow-stack: <why>` and the usage to stderr, exits 2. */
export function stackOptionsOrExit(args: string[]): StackOptions {
  try {
    return parseStackOptions(args);
  } catch (error) {
    if (!(error instanceof StackUsageError)) throw error;
    process.stderr.write(`burrow-stack: ${error.message}\n\n${STACK_USAGE}`);
    process.exit(2);
  }
}

if (import.meta.main) {
  const options = stackOptionsOrExit(process.argv.slice(2));
  if (options.help) process.stdout.write(STACK_USAGE);
}
