/**
 * The control plane's PAM routes as the gateway uses them (docs/pam-contract.md), on node:http:
 * credentials per session (or an error status) with the session's recording secrets, the
 * gateway's session key, the recording intake (chunks checked with the session's key and stored
 * once per index; event batches once per byte offset), and session end. Tests read back what
 * arrived.
 */
import { randomBytes } from 'node:crypto';
import { openChunk } from '@burrow/session-recorder';
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

/** An ssh account's credentials (SSH-CONTRACT.md), sent as they are. */
export interface FakeSshCredentials {
  host: string;
  port: number;
  username: string;
  authMethod: string;
  password?: string;
  privateKey?: string;
  certificate?: string;
  hostKeys?: string[];
  hostCertificateAuthorities?: string[];
}

export interface FakePamControlPlane {
  /** API base URL ending in /api. */
  readonly apiUrl: string;
  readonly key: Buffer;
  /** Session -> credentials (postgres, ssh, or any other type's object), or an HTTP status. */
  readonly sessions: Map<
    string,
    FakeCredentials | FakeSshCredentials | Record<string, unknown> | number
  >;
  /** Session -> the answer's top-level policyRules. */
  readonly policyRules: Map<string, unknown>;
  /** Stored events per session, in order (event batches by offset, then chunks by index). */
  readonly events: Map<string, unknown[]>;
  /** Chunk indexes each session's uploads carried, in arrival order (replays included). */
  readonly chunkUploads: Map<string, number[]>;
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
  const sessions = new Map<
    string,
    FakeCredentials | FakeSshCredentials | Record<string, unknown> | number
  >();
  const policyRules = new Map<string, unknown>();
  const events = new Map<string, unknown[]>();
  const chunkUploads = new Map<string, number[]>();
  const chunksBySession = new Map<string, Map<number, unknown[]>>();
  const batches = new Map<string, Map<number, unknown[]>>();
  const secrets = new Map<string, { key: Buffer; uploadToken: string }>();
  const secretsOf = (sessionId: string) => {
    let entry = secrets.get(sessionId);
    if (!entry) {
      entry = { key: randomBytes(32), uploadToken: randomBytes(16).toString('hex') };
      secrets.set(sessionId, entry);
    }
    return entry;
  };
  const inOrder = (map: Map<number, unknown[]> | undefined): unknown[] =>
    [...(map ?? new Map<number, unknown[]>()).entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([, list]) => list);
  const store = (
    into: Map<string, Map<number, unknown[]>>,
    sessionId: string,
    at: number,
    list: unknown[],
  ): void => {
    const stored = into.get(sessionId) ?? new Map<number, unknown[]>();
    into.set(sessionId, stored);
    if (!stored.has(at)) stored.set(at, list);
    events.set(sessionId, [
      ...inOrder(batches.get(sessionId)),
      ...inOrder(chunksBySession.get(sessionId)),
    ]);
  };
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
      const match =
        /^\/api\/v1\/pam\/sessions\/([^/]+)\/(credentials|event-batches|chunks|end)$/.exec(
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
            credentials:
              'url' in entry
                ? { sslRejectUnauthorized: true, ...entry }
                : 'database' in entry
                  ? { sslEnabled: false, sslRejectUnauthorized: true, ...entry }
                  : entry,
            ...(policyRules.has(sessionId) ? { policyRules: policyRules.get(sessionId) } : {}),
            expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
            recording: {
              sessionKey: secretsOf(sessionId).key.toString('base64'),
              uploadToken: secretsOf(sessionId).uploadToken,
              storageBackend: 'postgres',
              projectId: 'org-1',
              sessionId,
            },
          });
        }
        return;
      }
      if (route === 'event-batches' && request.method === 'POST') {
        const startOffset = Number(url.searchParams.get('startOffset'));
        const batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
        store(batches, sessionId, startOffset, batch);
        json(200, { acknowledgedEvents: events.get(sessionId)?.length ?? 0 });
        return;
      }
      if (route === 'chunks' && request.method === 'POST') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
        const chunkIndex = Number(body.chunkIndex);
        const session = secrets.get(sessionId);
        if (!session || request.headers['x-gateway-upload-token'] !== session.uploadToken) {
          json(400, { message: 'Invalid upload token' });
          return;
        }
        let list: unknown[];
        try {
          list = openChunk(
            session.key,
            { projectId: 'org-1', sessionId, chunkIndex, storageBackend: 'postgres' },
            {
              iv: Buffer.from(String(body.iv), 'base64'),
              ciphertext: Buffer.from(String(body.ciphertext), 'base64'),
              sha256: Buffer.from(String(body.ciphertextSha256), 'base64'),
              bytes: Number(body.ciphertextBytes),
            },
          );
        } catch (error) {
          json(400, { message: (error as Error).message });
          return;
        }
        chunkUploads.set(sessionId, [...(chunkUploads.get(sessionId) ?? []), chunkIndex]);
        store(chunksBySession, sessionId, chunkIndex, list);
        json(200, { ok: true, storageBackend: 'postgres' });
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
    chunkUploads,
    ended,
    credentialFetches,
    requests,
    policyRules,
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
