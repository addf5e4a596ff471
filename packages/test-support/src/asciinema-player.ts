/**
 * Debian's real asciinema as the independent judge of asciicast exports. `asciinema cat` insists
 * on a terminal (/dev/tty), so it runs under util-linux `script` with a fresh pseudo-terminal
 * whose output post-processing is off (`stty -onlcr`), so the bytes printed are the cast's own.
 */
import { execFile } from 'node:child_process';

/** How long asciinema may take to print a cast on a loaded machine. */
const ASCIINEMA_TIMEOUT_MS = 30_000;

/**
 * What `asciinema cat <file>` prints (the output events, concatenated); rejects with asciinema's
 * own message when it refuses the file.
 *
 * @example
 *   expect(await asciinemaCat(castPath)).toBe(whatTheTerminalShowed);
 */
export function asciinemaCat(castFile: string): Promise<string> {
  if (!/^[\w./-]+$/.test(castFile)) throw new Error(`unexpected characters in ${castFile}`);
  return new Promise((resolve, reject) => {
    execFile(
      'script',
      ['-qec', `stty -onlcr; exec asciinema cat ${castFile}`, '/dev/null'],
      {
        timeout: ASCIINEMA_TIMEOUT_MS,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, LC_ALL: 'C.UTF-8', ASCIINEMA_CONFIG_HOME: '/nonexistent' },
      },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(`asciinema cat ${castFile} failed: ${error.message}\n${stdout}${stderr}`),
          );
        else resolve(stdout);
      },
    );
  });
}
