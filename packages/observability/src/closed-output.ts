/**
 * A program's stdout and stderr may outlive their reader: `… | head -1` exits after one line, and
 * Ctrl-C in `… | tee log` kills `tee` together with the program. The next write then fails with
 * EPIPE, and Node turns that into an uncaught exception: the process dies wherever it was, e.g.
 * in a Ctrl-C handler that had not yet stopped its child processes. {@link dropOutputToClosedPipes}
 * makes such writes no-ops instead, so stopping never depends on being able to say so; any other
 * stream error still surfaces.
 *
 * @example
 *   dropOutputToClosedPipes(); // first thing in a CLI's main
 *   process.on('SIGINT', () => void stopEverything().then(() => process.exit(0)));
 */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ECONNRESET']);

export function dropOutputToClosedPipes(
  streams: NodeJS.WritableStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== undefined && READER_GONE.has(error.code)) return;
      throw error;
    });
  }
}
