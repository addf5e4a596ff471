import type { TLSSocket } from 'node:tls';

/** Everything a gateway sends on a dialed stream until the stream ends, as text. */
export function readToEnd(socket: TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}
