import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { NotifySocket } from '@burrow/test-support';
import { notifyReady } from '../src/index.ts';

/** READY=1 reaches NOTIFY_SOCKET (a unix datagram socket playing systemd's end). */
describe('notifyReady', () => {
  it('does nothing outside systemd', async () => {
    expect(await notifyReady({})).toEqual({ status: 'not-under-systemd' });
  });

  it('sends READY=1 naming this process to NOTIFY_SOCKET', async () => {
    const notify = await NotifySocket.open();
    try {
      expect(await notifyReady({ ...process.env, NOTIFY_SOCKET: notify.path })).toEqual({
        status: 'sent',
      });
      const message = await notify.nextDatagram();
      expect(message).toContain('READY=1');
      expect(message).toContain(`MAINPID=${process.pid}`);
    } finally {
      await notify.close();
    }
  });

  it('reports a socket nobody listens on as failed', async () => {
    const outcome = await notifyReady({
      ...process.env,
      NOTIFY_SOCKET: path.join(os.tmpdir(), `burrow-no-such-socket-${process.pid}`),
    });
    expect(outcome.status).toBe('failed');
  });
});
