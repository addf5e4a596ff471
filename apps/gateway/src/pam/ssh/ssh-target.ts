/**
 * The gateway's SSH client towards the target of a PAM session:
 *
 *   TCP host:port → key exchange: the target's host key checked by target-host-verifier.ts (a
 *   refusal ends here: no USERAUTH_REQUEST is ever sent) → one authentication attempt with the
 *   account's login (password | publickey | publickey with the user certificate) as the
 *   account's username → ready. Everything within TARGET_HANDSHAKE_TIMEOUT_MS; keepalives after.
 *
 * Errors are TargetConnectError with a message for the person; none quotes a credential. An
 * aborted `signal` (the connection test's own deadline) ends the attempt as 'unreachable'.
 */
import { createUserCertificateKey } from '@burrow/ssh-transport';
import ssh2 from 'ssh2';
import type { AuthHandlerMiddleware, Client } from 'ssh2';
import type { SshCredentials } from './ssh-credentials.ts';
import { createTargetHostVerifier } from './target-host-verifier.ts';
import {
  PAM_SSH_KEEPALIVE_COUNT_MAX,
  PAM_SSH_KEEPALIVE_INTERVAL_MS,
  TARGET_HANDSHAKE_TIMEOUT_MS,
} from './ssh-timeouts.ts';

export class TargetConnectError extends Error {
  override name = 'TargetConnectError';
  readonly code: 'host-key' | 'auth' | 'unreachable';
  constructor(code: TargetConnectError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * @example
 *   const target = await connectToTarget(credentials);
 *   target.shell({ term: 'xterm', rows: 24, cols: 80 }, (err, channel) => …);
 */
export function connectToTarget(
  credentials: SshCredentials,
  signal?: AbortSignal,
): Promise<Client> {
  const verifier = createTargetHostVerifier(credentials);
  const where = `${credentials.host}:${credentials.port}`;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let settled = false;
    const abort = (): void =>
      fail(
        new TargetConnectError(
          'unreachable',
          `the target ${where} did not finish the SSH login in time`,
        ),
      );
    const fail = (error: TargetConnectError): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      client.end();
      client.destroy();
      reject(error);
    };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      resolve(client);
    });
    client.on('error', (error: Error & { level?: string }) => {
      const refusal = verifier.refusal();
      if (refusal !== undefined) {
        fail(new TargetConnectError('host-key', `refusing the target ${where}: ${refusal}`));
      } else if (error.level === 'client-authentication') {
        fail(
          new TargetConnectError(
            'auth',
            `the target ${where} refused the account's credentials for ${credentials.username}`,
          ),
        );
      } else {
        fail(
          new TargetConnectError(
            'unreachable',
            `cannot reach the target ${where}: ${error.message.replace(/\s+/g, ' ')}`,
          ),
        );
      }
    });
    client.once('close', () =>
      fail(new TargetConnectError('unreachable', `the target ${where} closed the connection`)),
    );
    if (signal?.aborted) {
      abort();
      return;
    }
    signal?.addEventListener('abort', abort, { once: true });
    client.connect({
      host: credentials.host,
      port: credentials.port,
      username: credentials.username,
      readyTimeout: TARGET_HANDSHAKE_TIMEOUT_MS,
      keepaliveInterval: PAM_SSH_KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: PAM_SSH_KEEPALIVE_COUNT_MAX,
      hostVerifier: verifier.hostVerifier,
      algorithms: {
        serverHostKey: verifier.serverHostKeyAlgorithms as ssh2.ServerHostKeyAlgorithm[],
      },
      authHandler: singleAttempt(credentials),
    });
  });
}

/** One attempt with the account's login; ssh2 then reports a client-authentication error. */
function singleAttempt(credentials: SshCredentials): AuthHandlerMiddleware {
  let attempted = false;
  const { username, login } = credentials;
  return ((_methodsLeft: unknown, _partial: unknown, next: (auth: unknown) => void) => {
    if (attempted) return next(false);
    attempted = true;
    switch (login.method) {
      case 'password':
        return next({ type: 'password', username, password: login.password });
      case 'public-key':
        return next({ type: 'publickey', username, key: login.privateKey });
      case 'certificate':
        return next({
          type: 'publickey',
          username,
          key: createUserCertificateKey(login.privateKey, login.certificate),
        });
    }
  }) as unknown as AuthHandlerMiddleware;
}
