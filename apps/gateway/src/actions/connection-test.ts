/**
 * ALPN `infisical-connection-test` (reference §5.5; wire contract: @burrow/tunnel-protocol
 * connection-test.ts): one `POST /v1/test-connection` from the platform, answered with
 * `{"result":{"ok":true}}` or `{"error":{"message","kind"}}`, then the stream closes.
 *
 *   caller not `platform`, or a PAM certificate   -> the stream ends (nothing written)
 *   no target in the certificate                  -> 400
 *   other method / path                           -> 405 / 404
 *   body over 64 KiB                              -> 413; not JSON / bad mode / bad params -> 400
 *   tcp         connect to the target
 *   sql         postgres login (pam/postgres/postgres-login-check.ts); SQLSTATE 28xxx = auth
 *   ssh         the PAM session's login (pam/ssh/ssh-target.ts): host key checked first (refused =
 *               unknown, no credential sent), one attempt with the account's login (refused = auth)
 *   kubernetes  GET https://<target>/api with the token: 401 = auth
 *   http        GET <target><url> with the given headers: 401/403 = auth, 5xx = unknown
 *   the test's own timeout (timeoutMs, 15 s default, 60 s at most) -> transport "timed out"
 *   the whole stream: 90 s, then it is destroyed
 *
 * The target is the certificate's; the request cannot name another. Messages never quote the
 * password or token they were given (drivers' messages are scrubbed of them too).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import {
  CONNECTION_TEST_DEFAULT_TIMEOUT_MS,
  CONNECTION_TEST_MAX_BODY_BYTES,
  CONNECTION_TEST_MAX_TIMEOUT_MS,
  CONNECTION_TEST_PATH,
  CONNECTION_TEST_STREAM_DEADLINE_MS,
  httpTargetOrigin,
  type ConnectionTestFailureKind,
  type ConnectionTestResponse,
} from '@burrow/tunnel-protocol';
import type { ActionContext } from './action.ts';
import { endStream } from './close-stream.ts';
import { serveHttpOnStream } from './http/http-stream-server.ts';
import { parsePostgresCredentials } from '../pam/postgres/postgres-credentials.ts';
import { checkPostgresLogin } from '../pam/postgres/postgres-login-check.ts';
import { ServerAuthenticationError } from '../pam/postgres/server-authentication.ts';
import { parseSshCredentials, type SshCredentials } from '../pam/ssh/ssh-credentials.ts';
import { TargetConnectError, connectToTarget } from '../pam/ssh/ssh-target.ts';

/** A failed test: what went wrong and whose fault. */
class TestFailure extends Error {
  readonly kind: ConnectionTestFailureKind;
  constructor(kind: ConnectionTestFailureKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** The request was wrong (not the target): 400 with this message. */
class BadTestRequest extends Error {}

/**
 * @example
 *   const handlers = { [ALPN.connectionTest]: createConnectionTestHandler() };
 */
export function createConnectionTestHandler() {
  return (context: ActionContext): void => serve(context);
}

function serve({ socket, routing, actor, pamSession, logger }: ActionContext): void {
  if (pamSession || actor?.type !== 'platform') {
    logger.warn(
      { actor: actor?.type ?? null },
      'connection-test refused: only the platform may run connection tests',
    );
    endStream(socket);
    return;
  }
  const deadline = setTimeout(() => socket.destroy(), CONNECTION_TEST_STREAM_DEADLINE_MS);
  socket.once('close', () => clearTimeout(deadline));
  const answer = (response: http.ServerResponse, status: number, body: ConnectionTestResponse) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      Connection: 'close',
    });
    response.end(text);
  };
  serveHttpOnStream(
    socket,
    {
      request: (request, response) => {
        if (request.method !== 'POST') {
          request.resume();
          answer(response, 405, { error: { message: 'Only POST is supported' } });
          return;
        }
        if (new URL(request.url ?? '/', 'http://gateway').pathname !== CONNECTION_TEST_PATH) {
          request.resume();
          answer(response, 404, { error: { message: `no such RPC; use ${CONNECTION_TEST_PATH}` } });
          return;
        }
        if (!routing || routing.targetHost.trim() === '') {
          request.resume();
          answer(response, 400, { error: { message: 'the certificate names no target' } });
          return;
        }
        void readBody(request).then(
          async (body) => {
            if (body === undefined) {
              answer(response, 413, {
                error: {
                  message: `the request body exceeds ${CONNECTION_TEST_MAX_BODY_BYTES} bytes`,
                },
              });
              return;
            }
            const startedAt = Date.now();
            try {
              await runTest(body, routing.targetHost, routing.targetPort);
              logger.info({ durationMs: Date.now() - startedAt }, 'connection-test: ok');
              answer(response, 200, { result: { ok: true } });
            } catch (error) {
              if (error instanceof BadTestRequest) {
                answer(response, 400, { error: { message: error.message } });
                return;
              }
              const failure =
                error instanceof TestFailure
                  ? error
                  : new TestFailure(
                      'unknown',
                      error instanceof Error ? error.message : String(error),
                    );
              logger.info(
                { kind: failure.kind, error: failure.message, durationMs: Date.now() - startedAt },
                'connection-test: failed',
              );
              answer(response, 502, { error: { message: failure.message, kind: failure.kind } });
            }
          },
          () => socket.destroy(),
        );
      },
      upgrade: (_request, stream) => stream.destroy(),
    },
    logger,
  );
}

/** The body, or undefined when it is over the limit. */
function readBody(request: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > CONNECTION_TEST_MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

async function runTest(body: Buffer, targetHost: string, targetPort: number): Promise<void> {
  let request: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error();
    request = parsed as Record<string, unknown>;
  } catch {
    throw new BadTestRequest('Invalid request body');
  }
  const timeoutMs =
    typeof request.timeoutMs === 'number' && request.timeoutMs > 0
      ? Math.min(request.timeoutMs, CONNECTION_TEST_MAX_TIMEOUT_MS)
      : CONNECTION_TEST_DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  const secrets = [request.password, request.token, request.privateKey]
    .concat(Object.values((request.headers as Record<string, unknown> | undefined) ?? {}))
    .filter((value): value is string => typeof value === 'string' && value !== '');
  try {
    switch (request.mode) {
      case 'tcp':
        await testTcp(hostOf(targetHost), targetPort, signal);
        return;
      case 'sql':
        await testSql(request, hostOf(targetHost), targetPort, timeoutMs, signal);
        return;
      case 'ssh':
        await testSsh(request, hostOf(targetHost), targetPort, signal);
        return;
      case 'kubernetes':
        await testKubernetes(request, targetHost, targetPort, signal);
        return;
      case 'http':
        await testHttp(request, targetHost, targetPort, signal);
        return;
      default:
        throw new BadTestRequest(
          `unsupported test-connection mode: ${JSON.stringify(String(request.mode ?? ''))}`,
        );
    }
  } catch (error) {
    if (error instanceof BadTestRequest) throw error;
    const failure =
      error instanceof TestFailure
        ? error
        : signal.aborted
          ? new TestFailure('transport', `the connection test timed out after ${timeoutMs} ms`)
          : new TestFailure('unknown', error instanceof Error ? error.message : String(error));
    throw new TestFailure(failure.kind, scrub(failure.message, secrets));
  }
}

/** A routing host may carry a scheme (http-proxy style); the socket modes want the bare host. */
function hostOf(targetHost: string): string {
  return targetHost.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
}

function testTcp(host: string, port: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const abort = (): void => {
      socket.destroy();
      reject(new TestFailure('transport', `${host}:${port} did not accept a connection in time`));
    };
    signal.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', abort);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', abort);
      reject(
        new TestFailure(
          'transport',
          `${host}:${port} is unreachable (${error.code ?? error.message})`,
        ),
      );
    });
  });
}

async function testSql(
  request: Record<string, unknown>,
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  if (request.dialect !== 'postgres') {
    throw new BadTestRequest('sql: this gateway tests the dialect "postgres" only');
  }
  let credentials;
  try {
    credentials = parsePostgresCredentials({ ...request, host, port });
  } catch (error) {
    throw new BadTestRequest(`sql: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    await checkPostgresLogin(credentials, timeoutMs, signal);
  } catch (error) {
    if (error instanceof ServerAuthenticationError) {
      const auth = error.sqlState?.startsWith('28') ?? false;
      throw new TestFailure(
        auth ? 'auth' : 'unknown',
        `the database refused: ${error.message}${error.sqlState ? ` (SQLSTATE ${error.sqlState})` : ''}`,
      );
    }
    if (signal.aborted) throw error;
    throw new TestFailure('transport', error instanceof Error ? error.message : String(error));
  }
}

async function testSsh(
  request: Record<string, unknown>,
  host: string,
  port: number,
  signal: AbortSignal,
): Promise<void> {
  let credentials: SshCredentials;
  try {
    credentials = parseSshCredentials({ ...request, host, port });
  } catch (error) {
    // The session's parser names fields "credentials.x"; here they are the request's own.
    const message = error instanceof Error ? error.message : String(error);
    throw new BadTestRequest(`ssh: ${message.replace(/\bcredentials\./g, '')}`);
  }
  try {
    const client = await connectToTarget(credentials, signal);
    client.end();
  } catch (error) {
    if (!(error instanceof TargetConnectError)) throw error;
    const kind = { auth: 'auth', 'host-key': 'unknown', unreachable: 'transport' } as const;
    throw new TestFailure(kind[error.code], error.message);
  }
}

async function testKubernetes(
  request: Record<string, unknown>,
  targetHost: string,
  targetPort: number,
  signal: AbortSignal,
): Promise<void> {
  const origin = httpTargetOrigin(
    /^https?:\/\//i.test(targetHost) ? targetHost : `https://${targetHost}`,
    targetPort,
  );
  const token = typeof request.token === 'string' ? request.token : undefined;
  const status = await httpGet(
    origin,
    '/api',
    token ? { Authorization: `Bearer ${token}` } : {},
    request,
    signal,
  );
  if (status === 401) {
    throw new TestFailure('auth', `the Kubernetes API rejected the credentials (HTTP ${status})`);
  }
  if (status < 200 || status >= 300) {
    throw new TestFailure('transport', `the Kubernetes API returned HTTP ${status}`);
  }
}

async function testHttp(
  request: Record<string, unknown>,
  targetHost: string,
  targetPort: number,
  signal: AbortSignal,
): Promise<void> {
  const origin = httpTargetOrigin(targetHost, targetPort);
  const url = typeof request.url === 'string' && request.url.startsWith('/') ? request.url : '/';
  const headers: Record<string, string> = {};
  if (request.headers !== undefined) {
    if (!request.headers || typeof request.headers !== 'object') {
      throw new BadTestRequest('http: headers must be an object of strings');
    }
    for (const [name, value] of Object.entries(request.headers as Record<string, unknown>)) {
      if (typeof value !== 'string') throw new BadTestRequest('http: headers must be strings');
      headers[name] = value;
    }
  }
  const status = await httpGet(origin, url, headers, request, signal);
  if (status === 401 || status === 403) {
    throw new TestFailure('auth', `${origin.origin} refused the credentials (HTTP ${status})`);
  }
  if (status >= 500) throw new TestFailure('unknown', `${origin.origin} answered HTTP ${status}`);
}

/** One GET; resolves with the status (the body is drained and dropped). */
function httpGet(
  origin: URL,
  path: string,
  headers: Record<string, string>,
  tlsParams: Record<string, unknown>,
  signal: AbortSignal,
): Promise<number> {
  const secure = origin.protocol === 'https:';
  const ca =
    typeof tlsParams.sslCertificate === 'string' && tlsParams.sslCertificate.trim() !== ''
      ? tlsParams.sslCertificate
      : undefined;
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request({
      hostname: origin.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: origin.port || (secure ? 443 : 80),
      path,
      method: 'GET',
      headers: { ...headers, Host: origin.host },
      signal,
      ...(secure
        ? { rejectUnauthorized: tlsParams.sslRejectUnauthorized !== false, ...(ca ? { ca } : {}) }
        : {}),
    });
    request.once('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', (error: NodeJS.ErrnoException) => {
      if (signal.aborted) {
        reject(new TestFailure('transport', `${origin.origin} did not answer in time`));
        return;
      }
      const code = error.code ?? '';
      const tlsRefused = /CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY/.test(code);
      reject(
        new TestFailure(
          'transport',
          tlsRefused
            ? `the TLS certificate of ${origin.origin} was not accepted (${code})`
            : `${origin.origin} is unreachable (${code || error.message})`,
        ),
      );
    });
    request.end();
  });
}

function scrub(message: string, secrets: readonly string[]): string {
  let scrubbed = message;
  for (const secret of secrets) scrubbed = scrubbed.split(secret).join('******');
  return scrubbed;
}
