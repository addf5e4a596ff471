/**
 * How an install talks to systemd: a function that runs `systemctl <args>`, so tests can record
 * the calls instead. The default runs the real `systemctl` and fails with its stderr.
 */
import { execFile } from 'node:child_process';

export type Systemctl = (args: readonly string[]) => Promise<void>;

/** Long enough for `enable`/`daemon-reload` on a busy machine; a hung systemctl fails the install. */
const SYSTEMCTL_TIMEOUT_MS = 60_000;

export const runSystemctl: Systemctl = (args) =>
  new Promise((resolve, reject) => {
    execFile(
      'systemctl',
      [...args],
      { timeout: SYSTEMCTL_TIMEOUT_MS },
      (error, _stdout, stderr) => {
        if (error) {
          const detail = stderr.trim() || error.message;
          reject(new Error(`systemctl ${args.join(' ')} failed: ${detail}`));
        } else {
          resolve();
        }
      },
    );
  });
