import net from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { encodeErrorResponse, replyWithPostgresError } from '../src/postgres-error-reply.ts';

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A listener that answers every connection with replyWithPostgresError; returns what a client got. */
async function exchange(clientBytes: Buffer[], message: string): Promise<Buffer> {
  const server = net.createServer((socket) => void replyWithPostgresError(socket, message));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return new Promise((resolve, reject) => {
    const client = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    client.on('error', reject);
    client.on('close', () => resolve(Buffer.concat(received)));
    for (const bytes of clientBytes) client.write(bytes);
  });
}

function sslRequest(): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(8, 0);
  b.writeUInt32BE(80877103, 4);
  return b;
}

function startupMessage(user: string): Buffer {
  const body = Buffer.concat([
    Buffer.from([0, 3, 0, 0]),
    Buffer.from(`user\0${user}\0database\0x\0\0`, 'utf8'),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length + 4, 0);
  return Buffer.concat([length, body]);
}

describe('replyWithPostgresError', () => {
  it('declines TLS, then answers the startup message with a FATAL ErrorResponse', async () => {
    const reply = await exchange([sslRequest(), startupMessage('alice')], 'burrow: relay down');
    expect(reply.subarray(0, 1).toString()).toBe('N');
    expect(reply.subarray(1).equals(encodeErrorResponse('burrow: relay down'))).toBe(true);
  });

  it('answers a client that sends the startup message directly', async () => {
    const reply = await exchange([startupMessage('bob')], 'burrow: gateway offline');
    expect(reply[0]).toBe('E'.charCodeAt(0));
    expect(reply.includes(Buffer.from('Mburrow: gateway offline\0'))).toBe(true);
    expect(reply.includes(Buffer.from('C08006\0'))).toBe(true);
    expect(reply.includes(Buffer.from('SFATAL\0'))).toBe(true);
  });
});

describe('encodeErrorResponse', () => {
  it('has the length of the whole message after the type byte', () => {
    const message = encodeErrorResponse('x');
    expect(message.readUInt32BE(1)).toBe(message.length - 1);
    expect(message[message.length - 1]).toBe(0);
  });
});
