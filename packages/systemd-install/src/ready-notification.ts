import { execFile } from 'node:child_process';

/**
 * Tells systemd the service is ready (`READY=1`, sd_notify(3)), as the reference's relay does
 * once its listeners are up and its gateway once the first relay connection is (reference
 * §5.10): the units are `Type=notify` with `NotifyAccess=all`.
 *
 * Node cannot write to the unix datagram socket in NOTIFY_SOCKET, so this runs systemd's own
 * `systemd-notify --ready --pid=<this process>` (no native addon). `--pid` names the service's
 * main process as the sender, so systemd does not have to find the short-lived helper in the
 * service's cgroup (root may send on behalf of another PID; the units run as root). Outside
 * systemd (no NOTIFY_SOCKET) nothing is run.
 *
 * @example
 *   const outcome = await notifyReady();
 *   if (outcome.status === 'failed') logger.warn({ err: outcome.error }, 'READY=1 not sent');
 */
export type ReadyOutcome =
  { status: 'sent' } | { status: 'not-under-systemd' } | { status: 'failed'; error: string };

/** systemd-notify only writes one datagram; longer means something is wrong. */
const NOTIFY_TIMEOUT_MS = 5_000;

export function notifyReady(env: NodeJS.ProcessEnv = process.env): Promise<ReadyOutcome> {
  if (!env.NOTIFY_SOCKET) return Promise.resolve({ status: 'not-under-systemd' });
  return new Promise((resolve) => {
    execFile(
      'systemd-notify',
      ['--ready', `--pid=${process.pid}`],
      { env, timeout: NOTIFY_TIMEOUT_MS },
      (error, _stdout, stderr) => {
        if (error) {
          const detail = stderr.trim() || error.message;
          resolve({ status: 'failed', error: `systemd-notify --ready: ${detail}` });
        } else resolve({ status: 'sent' });
      },
    );
  });
}
