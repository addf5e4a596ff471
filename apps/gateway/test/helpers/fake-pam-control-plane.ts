/**
 * The control plane's PAM routes as the gateway uses them (docs/pam-contract.md), on node:http:
 * credentials per session (or an error status), the gateway's session key, event-batch intake
 * with the contract's offset rules, and session end. Tests read back what arrived.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';

export interface FakeCredentials {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  sslEnabled?: boolean;
  sslRejectUnauthorized?: boolean;
  sslCertificate?: string;
}

export interface FakePamControlPlane {
  /** API base URL ending in /api. */
  readonly apiUrl: string;
  readonly key: Buffer;
  /** Session -> credentials, or an HTTP status to answer with. */
  readonly sessions: Map<string, FakeCredentials | number>;
  /** Stored events per session, in index order. */
  readonly events: Map<string, unknown[]>;
  /** Sessions whose end was posted, with how many times. */
  readonly ended: Map<string, number>;
  /** How many credential fetches each session got. */
  readonly credentialFetches: Map<string, number>;
  /** Every request line, e.g. "GET /api/v1/pam/sessions/x/credentials". */
  readonly requests: string[];
  /** Resolves when the session has been ended and has at least `events` stored events. */
  waitForEnd(sessionId: string, timeoutMs?: number): Promise<unknown[]>;
  close(): Promise<void>;
}

export async function startFakePamControlPlane(): Promise<FakePamControlPlane> {
  const key = randomBytes(32);
  const sessions = new Map<string, FakeCredentials | number>();
  const events = new Map<string, unknown[]>();
  const ended = new Map<string, number>();
  const credentialFetches = new Map<string, number>();
  const requests: string[] = [];
  const endWaiters: { sessionId: string; resolve: () => void }[] = [];

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      requests.push(`${request.method} ${url.pathname}`);
      const json = (status: number, body: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.headers.authorization !== 'Bearer gateway-token') {
        json(401, { message: 'no token' });
        return;
      }
      if (request.method === 'GET' && url.pathname === '/api/v2/gateways/pam-session-key') {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        response.end(key);
        return;
      }
      const match = /^\/api\/v1\/pam\/sessions\/([^/]+)\/(credentials|event-batches|end)$/.exec(
        url.pathname,
      );
      if (!match) {
        json(404, { message: 'not found' });
        return;
      }
      const sessionId = decodeURIComponent(match[1]!);
      const route = match[2];
      if (route === 'credentials' && request.method === 'GET') {
        credentialFetches.set(sessionId, (credentialFetches.get(sessionId) ?? 0) + 1);
        const entry = sessions.get(sessionId);
        if (entry === undefined) json(403, { message: 'not your session' });
        else if (typeof entry === 'number') json(entry, { message: `status ${entry}` });
        else {
          json(200, {
            credentials: {
              sslEnabled: false,
              sslRejectUnauthorized: true,
              ...entry,
            },
            expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          });
        }
        return;
      }
      if (route === 'event-batches' && request.method === 'POST') {
        const startOffset = Number(url.searchParams.get('startOffset'));
        const batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
        const stored = events.get(sessionId) ?? [];
        if (startOffset > stored.length) {
          json(409, { message: 'gap' });
          return;
        }
        batch.forEach((event, i) => {
          if (startOffset + i >= stored.length) stored.push(event);
        });
        events.set(sessionId, stored);
        json(200, { acknowledgedEvents: stored.length });
        return;
      }
      if (route === 'end' && request.method === 'POST') {
        ended.set(sessionId, (ended.get(sessionId) ?? 0) + 1);
        for (const waiter of [...endWaiters]) {
          if (waiter.sessionId === sessionId) {
            endWaiters.splice(endWaiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
        json(200, {
          session: { id: sessionId, status: 'ended', endedAt: new Date().toISOString() },
        });
        return;
      }
      json(405, { message: 'method not allowed' });
    });
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    key,
    sessions,
    events,
    ended,
    credentialFetches,
    requests,
    waitForEnd(sessionId, timeoutMs = 10_000) {
      if (ended.has(sessionId)) return Promise.resolve(events.get(sessionId) ?? []);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`session ${sessionId} not ended within ${timeoutMs} ms`)),
          timeoutMs,
        );
        endWaiters.push({
          sessionId,
          resolve: () => {
            clearTimeout(timer);
            resolve(events.get(sessionId) ?? []);
          },
        });
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
