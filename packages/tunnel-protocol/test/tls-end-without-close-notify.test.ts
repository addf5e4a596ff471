/**
 * What a Node caller sees when the TLS stream it reads ends (issue 13: a silent short stream is
 * never OK). Node reports a TCP FIN without TLS close_notify as a clean end, exactly like a
 * close_notify: it cannot tell a complete stream from one cut after its last record. Only a reset
 * reaches the reader as an error. Hence the rule in splice.ts and the relay's caller listener: a
 * stream cut short (a side that failed, a lost gateway connection) is passed on as a RESET, never
 * as an end. If this test starts failing, Node has changed and that rule can be revisited.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSelfSignedCertificate, type SelfSignedCertificate } from '@burrow/test-support';

type Ending = 'close_notify' | 'fin without close_notify' | 'reset';

let certificate: SelfSignedCertificate;
let server: net.Server;
let ending: Ending;

beforeAll(async () => {
  certificate = await createSelfSignedCertificate('localhost');
  server = net.createServer((raw) => {
    const socket = new tls.TLSSocket(raw, {
      isServer: true,
      cert: certificate.certificatePem,
      key: certificate.privateKeyPem,
    });
    socket.on('error', () => undefined);
    socket.once('secure', () => {
      // The reply's first part, then the stream ends the way the test asks.
      socket.write('part of a reply', () => {
        if (ending === 'close_notify') socket.end();
        else if (ending === 'fin without close_notify') raw.end();
        else raw.resetAndDestroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Reads the stream to its close: what arrived, whether it ended cleanly, the error if any. */
function read(): Promise<{ received: string; ended: boolean; error?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: (server.address() as net.AddressInfo).port,
      ca: certificate.certificatePem,
    });
    let received = '';
    let ended = false;
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('end', () => (ended = true));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () =>
      resolve(error === undefined ? { received, ended } : { received, ended, error }),
    );
  });
}

describe('a TLS stream as a Node caller reads it', () => {
  it.each<[Ending, { ended: boolean; error?: string }]>([
    ['close_notify', { ended: true }],
    // Indistinguishable from the line above: a cut stream must never be ended this way.
    ['fin without close_notify', { ended: true }],
    ['reset', { ended: false, error: 'ECONNRESET' }],
  ])('ends with %s', async (how, expected) => {
    ending = how;
    const { received, ...outcome } = await read();
    expect(outcome).toEqual(expected);
    // A reset may discard what the kernel had not handed to the reader yet; an end never does.
    if (how !== 'reset') expect(received).toBe('part of a reply');
  });
});
