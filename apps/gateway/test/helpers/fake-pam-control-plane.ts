/**
 * The control plane's PAM routes as the gateway uses them (docs/pam-contract.md), served by
 * @burrow/test-support's fake control plane (so every answer is checked against platform-api's
 * route schemas): credentials per session (or an error status) with the session's recording
 * secrets, the gateway's session key, the recording intake (test-support's FakeRecordingIntake:
 * chunks checked with the session's key and stored once per index; event batches once per byte
 * offset), and session end. Only the
 * bearer `gateway-token` is let in. Tests read back what arrived.
 */
import { randomBytes } from 'node:crypto';
import { openChunk } from '@burrow/session-recorder';
import { GATEWAY_UPLOAD_TOKEN_HEADER, routes, type RouteResponse } from '@burrow/platform-api';
import {
  FakeRecordingIntake,
  fakeAnswer,
  fakeRoute,
  startFakeControlPlane,
  type SealedChunkUpload,
} from '@burrow/test-support';

/** The bearer token the fake lets in. */
export const GATEWAY_TOKEN = 'gateway-token';

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
  /** The recordingProblem each session's end carried (the first, as the control plane keeps). */
  readonly recordingProblems: Map<string, string>;
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
  const intake = new FakeRecordingIntake(openChunk, 'org-1');
  const events = new Map<string, unknown[]>();
  const chunkUploads = new Map<string, number[]>();
  const ended = new Map<string, number>();
  const recordingProblems = new Map<string, string>();
  const credentialFetches = new Map<string, number>();
  const endWaiters: { sessionId: string; resolve: () => void }[] = [];

  const fake = await startFakeControlPlane(
    [
      fakeRoute(routes.gatewayPamSessionKey, () => key),
      fakeRoute(routes.pamSessionCredentials, ({ params }) => {
        const sessionId = params.sessionId as string;
        credentialFetches.set(sessionId, (credentialFetches.get(sessionId) ?? 0) + 1);
        const entry = sessions.get(sessionId);
        if (entry === undefined) return fakeAnswer(403, { message: 'not your session' });
        if (typeof entry === 'number') return fakeAnswer(entry, { message: `status ${entry}` });
        const credentials =
          'url' in entry
            ? { sslRejectUnauthorized: true, ...entry }
            : 'database' in entry
              ? { sslEnabled: false, sslRejectUnauthorized: true, ...entry }
              : entry;
        return {
          credentials,
          ...(policyRules.has(sessionId) ? { policyRules: policyRules.get(sessionId) } : {}),
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          recording: {
            sessionKey: intake.secretsOf(sessionId).key.toString('base64'),
            uploadToken: intake.secretsOf(sessionId).uploadToken,
            storageBackend: 'postgres',
            projectId: 'org-1',
            sessionId,
          },
        } as RouteResponse<typeof routes.pamSessionCredentials>;
      }),
      fakeRoute(routes.uploadPamSessionEvents, ({ params, query, body }) => {
        const sessionId = params.sessionId as string;
        intake.storeBatch(sessionId, Number(query.startOffset), body as unknown[]);
        events.set(sessionId, intake.events(sessionId));
        return { acknowledgedEvents: events.get(sessionId)?.length ?? 0 };
      }),
      fakeRoute(routes.recordPamSessionChunk, ({ params, headers, body }) => {
        const sessionId = params.sessionId as string;
        const chunk = body as SealedChunkUpload;
        try {
          intake.storeChunk(sessionId, String(headers[GATEWAY_UPLOAD_TOKEN_HEADER]), chunk);
        } catch (error) {
          return fakeAnswer(400, { message: (error as Error).message });
        }
        chunkUploads.set(sessionId, [...(chunkUploads.get(sessionId) ?? []), chunk.chunkIndex]);
        events.set(sessionId, intake.events(sessionId));
        return { ok: true as const, storageBackend: 'postgres' };
      }),
      fakeRoute(routes.endPamSession, ({ params, body }) => {
        const sessionId = params.sessionId as string;
        ended.set(sessionId, (ended.get(sessionId) ?? 0) + 1);
        const problem = (body as { recordingProblem?: unknown } | undefined)?.recordingProblem;
        if (typeof problem === 'string' && !recordingProblems.has(sessionId)) {
          recordingProblems.set(sessionId, problem);
        }
        for (const waiter of [...endWaiters]) {
          if (waiter.sessionId === sessionId) {
            endWaiters.splice(endWaiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
        return {
          session: { id: sessionId, status: 'ended' as const, endedAt: new Date().toISOString() },
        };
      }),
    ],
    { tokens: [GATEWAY_TOKEN] },
  );
  return {
    apiUrl: fake.apiUrl,
    key,
    sessions,
    events,
    chunkUploads,
    ended,
    recordingProblems,
    credentialFetches,
    get requests() {
      return fake.requests.map(({ method, path }) => `${method} ${path.split('?')[0]}`);
    },
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
    close: () => fake.close(),
  };
}
