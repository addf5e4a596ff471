import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PlatformClient } from '@burrow/platform-api';

/**
 * A control plane on 127.0.0.1 (port chosen at run time) that answers every request with
 * `answer(path, body)`; `run` gets the relay's PlatformClient pointed at it.
 */
export async function withControlPlane(
  answer: (path: string, body: unknown) => { status: number; body: unknown },
  run: (client: PlatformClient) => Promise<void>,
): Promise<void> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || 'null') as unknown;
      const reply = answer(request.url ?? '', body);
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await run(new PlatformClient({ apiUrl: `http://127.0.0.1:${port}/api`, token: () => 't' }));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
