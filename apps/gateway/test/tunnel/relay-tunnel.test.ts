import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { ReconnectBackoff } from '@burrow/tunnel-protocol';
import { RelayTunnel, type RelayConnection } from '../../src/tunnel/relay-tunnel.ts';
import { captureLogs } from '../helpers/log-capture.ts';

class FakeConnection extends EventEmitter implements RelayConnection {
  closed = false;
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
  drop(reason: string): void {
    this.closed = true;
    this.emit('close', new Error(reason));
  }
}

type Step = 'fail' | 'connect';

/**
 * A scripted world: the dialer fails or connects per `script`; sleeping advances a fake clock and
 * records the delay. When the script runs out the test is over (the tunnel is stopped).
 */
function world(script: Step[], options: { random?: () => number; registerFails?: boolean } = {}) {
  const logs = captureLogs();
  let clock = 0;
  const delays: number[] = [];
  const events: string[] = [];
  const connections: FakeConnection[] = [];
  let registrations = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const tunnel: RelayTunnel<string> = new RelayTunnel<string>({
    register: async () => {
      registrations += 1;
      events.push('register');
      if (options.registerFails) throw new Error('control plane down');
      return `registration-${registrations}`;
    },
    dial: async (registration) => {
      events.push(`dial ${registration}`);
      const step = script.shift();
      if (step === undefined) {
        done();
        return new Promise<never>(() => undefined); // parked until stop()
      }
      if (step === 'fail') throw new Error('connection refused');
      const connection = new FakeConnection();
      connections.push(connection);
      return connection;
    },
    onChannel: () => events.push('channel'),
    onConnected: (registration, info) =>
      events.push(`${info.reconnect ? 'reconnected' : 'connected'} ${registration}`),
    logger: logs.logger,
    backoff: new ReconnectBackoff({
      baseMs: 500,
      capMs: 30_000,
      ...(options.random ? { random: options.random } : {}),
    }),
    stableConnectionMs: 10_000,
    now: () => clock,
    sleep: async (ms) => {
      delays.push(ms);
      clock += ms;
    },
  });
  return {
    tunnel,
    logs,
    delays,
    events,
    connections,
    finished,
    advance: (ms: number) => {
      clock += ms;
    },
    get registrations() {
      return registrations;
    },
  };
}

/** Lets the tunnel's loop run until it waits on something the test controls. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('RelayTunnel', () => {
  it('backs off exponentially while dials fail (ceiling doubles up to 30 s)', async () => {
    const w = world(Array(10).fill('fail'), { random: () => 0.999999 });
    w.tunnel.start('initial');
    await w.finished;
    await w.tunnel.stop();
    expect(w.delays).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999, 29999]);
    const attempts = w.logs.lines.filter((line) => line.msg === 'reconnecting to relay');
    expect(attempts.map((line) => line.attempt)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(attempts.map((line) => line.delayMs)).toEqual(w.delays);
    expect(w.logs.lines.filter((line) => line.msg === 'relay dial failed')).toHaveLength(10);
  });

  it('uses full jitter: each delay is anywhere between 0 and its ceiling', async () => {
    const w = world(Array(200).fill('fail'));
    w.tunnel.start('initial');
    await w.finished;
    await w.tunnel.stop();
    const ceilings = w.delays.map((_, i) => Math.min(30_000, 500 * 2 ** i));
    w.delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceilings[i] as number);
    });
    const capped = w.delays.slice(10);
    expect(new Set(capped).size).toBeGreaterThan(150); // not one fixed value
    expect(Math.min(...capped)).toBeLessThan(10_000);
    expect(Math.max(...capped)).toBeGreaterThan(20_000);
  });

  it('re-registers before every redial but not before the first dial', async () => {
    const w = world(['fail', 'fail', 'connect'], { random: () => 0.5 });
    w.tunnel.start('initial');
    await settle();
    expect(w.events).toEqual([
      'dial initial',
      'register',
      'dial registration-1',
      'register',
      'dial registration-2',
      'connected registration-2',
    ]);
    await w.tunnel.stop();
  });

  it('dials with the latest registration when the control plane is unreachable', async () => {
    const w = world(['fail', 'fail'], { random: () => 0.5, registerFails: true });
    w.tunnel.start('initial');
    await w.finished;
    await w.tunnel.stop();
    expect(w.events.filter((event) => event.startsWith('dial'))).toEqual([
      'dial initial',
      'dial initial',
      'dial initial',
    ]);
    await w.logs.waitFor('gateway registration failed; dialing with the previous credentials');
  });

  it('resets the backoff after a connection that stayed up, keeps growing after one that did not', async () => {
    const w = world(['fail', 'fail', 'fail', 'connect', 'fail', 'connect', 'fail'], {
      random: () => 0.999999,
    });
    w.tunnel.start('initial');
    await settle();
    expect(w.delays).toEqual([499, 999, 1999]);
    // Connected on the 4th dial; it stays up for a minute, then the relay goes away.
    w.advance(60_000);
    w.connections[0]?.drop('keepalive timeout');
    await settle();
    // Reset: the next delay starts from the base again; the 5th dial fails, the 6th connects.
    expect(w.delays).toEqual([499, 999, 1999, 499, 999]);
    const lost = await w.logs.waitFor('relay connection lost');
    expect(lost.upForMs).toBe(60_000);
    expect(lost.error).toBe('keepalive timeout');
    // This one drops right away: no reset, the backoff keeps growing.
    w.connections[1]?.drop('closed by relay');
    await w.finished;
    expect(w.delays).toEqual([499, 999, 1999, 499, 999, 1999, 3999]);
    expect(w.events.filter((event) => /connected/.test(event))).toEqual([
      'connected registration-3',
      'reconnected registration-5',
    ]);
    await w.tunnel.stop();
  });

  it('hands every channel of the connection to onChannel', async () => {
    const w = world(['connect']);
    w.tunnel.start('initial');
    await settle();
    w.connections[0]?.emit('channel', new PassThrough());
    w.connections[0]?.emit('channel', new PassThrough());
    expect(w.events.filter((event) => event === 'channel')).toHaveLength(2);
    expect(w.tunnel.connected).toBe(true);
    await w.tunnel.stop();
    expect(w.connections[0]?.closed).toBe(true);
    expect(w.tunnel.connected).toBe(false);
  });

  it('stop() ends the loop while a dial is still pending', async () => {
    const w = world([]);
    w.tunnel.start('initial');
    await w.finished; // the dial is parked
    await w.tunnel.stop();
    expect(w.delays).toEqual([]);
  });
});
