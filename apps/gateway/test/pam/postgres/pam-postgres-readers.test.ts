/**
 * The two pull readers of the PostgreSQL PAM proxy — the caller's startup packets (startup.ts)
 * and the target's authentication-phase messages (MessageReader) — on a stream that delivers a
 * byte at a time, ends early, or fails.
 */
import { Duplex } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { MessageReader } from '../../../src/pam/postgres/message-reader.ts';
import { encodeStartupMessage, readCallerStartup } from '../../../src/pam/postgres/startup.ts';
import {
  PgProtocolError,
  SSL_REQUEST_CODE,
  encodeMessage,
  encodeStartupPacket,
} from '../../../src/pam/postgres/wire-messages.ts';

/** A duplex whose readable side is fed by the test and whose writes are collected. */
function fakeSocket(): { socket: Duplex; written: Buffer[] } {
  const written: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
  });
  return { socket, written };
}

/** Pushes `bytes` one byte per macrotask. */
async function trickle(socket: Duplex, bytes: Buffer): Promise<void> {
  for (const byte of bytes) {
    socket.push(Buffer.from([byte]));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('readCallerStartup', () => {
  it('answers SSLRequest with N and reads a startup packet delivered a byte at a time', async () => {
    const { socket, written } = fakeSocket();
    const startup = encodeStartupMessage(196_608, new Map([['user', 'alice']]), {
      database: 'app',
    });
    const result = readCallerStartup(socket);
    await trickle(
      socket,
      Buffer.concat([encodeStartupPacket(SSL_REQUEST_CODE), startup.subarray(0, -1)]),
    );
    // The last byte arrives with one the caller sent early: that one is handed back as `rest`.
    socket.push(Buffer.concat([startup.subarray(-1), Buffer.from('x')]));
    const read = await result;
    expect(Buffer.concat(written).toString()).toBe('N');
    expect(read).toMatchObject({ kind: 'startup', protocolVersion: 196_608 });
    if (read.kind !== 'startup') throw new Error('expected a startup packet');
    expect([...read.parameters]).toEqual([
      ['user', 'alice'],
      ['database', 'app'],
    ]);
    expect(read.rest.toString()).toBe('x');
  });

  it('fails with PgProtocolError when the client ends mid-packet or the stream errors', async () => {
    const ended = fakeSocket().socket;
    const early = readCallerStartup(ended);
    ended.push(encodeStartupPacket(SSL_REQUEST_CODE).subarray(0, 6));
    ended.push(null);
    await expect(early).rejects.toThrow(
      new PgProtocolError('the client closed the connection during startup'),
    );

    const failing = fakeSocket().socket;
    const broken = readCallerStartup(failing);
    failing.destroy(new Error('boom'));
    await expect(broken).rejects.toThrow(new PgProtocolError('stream error: boom'));
  });

  it('refuses a packet length out of bounds', async () => {
    const { socket } = fakeSocket();
    const result = readCallerStartup(socket);
    socket.push(Buffer.from([0, 0, 0, 4]));
    await expect(result).rejects.toThrow('startup packet with invalid length 4');
  });
});

describe('MessageReader', () => {
  it('reads a byte, then typed messages a byte at a time, and hands back the rest', async () => {
    const { socket } = fakeSocket();
    const reader = new MessageReader(socket, Buffer.from('S'));
    expect(String.fromCharCode(await reader.byte())).toBe('S');
    const next = reader.message();
    await trickle(
      socket,
      Buffer.concat([encodeMessage('R', Buffer.from([0, 0, 0, 0])), Buffer.from('Zrest')]),
    );
    expect(await next).toEqual({ type: 'R', body: Buffer.from([0, 0, 0, 0]) });
    expect(reader.release().toString()).toBe('Zrest');
    expect(socket.isPaused()).toBe(true);
  });

  it('fails when the server closes, passes a stream error through, refuses a bad length', async () => {
    const ended = fakeSocket().socket;
    const closed = new MessageReader(ended).message();
    ended.push(null);
    await expect(closed).rejects.toThrow(new PgProtocolError('the server closed the connection'));

    const failing = fakeSocket().socket;
    const broken = new MessageReader(failing).message();
    failing.destroy(new Error('boom'));
    await expect(broken).rejects.toThrow('boom');

    const { socket } = fakeSocket();
    const invalid = new MessageReader(socket, Buffer.from([0x52, 0, 0, 0, 3])).message();
    await expect(invalid).rejects.toThrow('server message with invalid length 3');
  });
});
