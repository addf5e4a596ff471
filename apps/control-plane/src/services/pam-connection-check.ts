import http from 'node:http';
import {
  ALPN,
  CONNECTION_TEST_DEFAULT_TIMEOUT_MS,
  CONNECTION_TEST_PATH,
  CONNECTION_TEST_STREAM_DEADLINE_MS,
  type ConnectionTestRequest,
  type ConnectionTestResponse,
} from '@burrow/tunnel-protocol';
import { InvalidRequestError } from '../domain/errors.ts';
import type { GatewayTarget, GatewayTunnelClient } from './gateway-tunnel.ts';

/**
 * A PAM resource's or account's target checked through its gateway before it is saved (issue 16):
 * one `infisical-connection-test` stream (@burrow/tunnel-protocol connection-test.ts) with a
 * 5-minute platform certificate naming the target, one `POST /v1/test-connection`.
 *
 *   {"result":{"ok":true}}                      -> resolves: reachable (and logged in)
 *   502 {"error":{"kind":"transport",message}}  -> 400 "… could not reach …: <message>"
 *   502 {"error":{"kind":"auth",message}}       -> 400 "… wrong credentials: <message>" (for a
 *                                                  resource, checked without credentials: ok)
 *   502 {"error":{"kind":"unknown",message}}    -> 400 "… failed: <message>"
 *   the gateway unreachable / no answer          -> 400 "the gateway … did not answer"
 *
 * The gateway's message is the target's own words about the target the admin named (a postgres
 * error, an HTTP status, ECONNREFUSED); it never holds the password or token (the gateway scrubs
 * them). Only admins reach this (pam.inventory.manage is checked before).
 *
 * @example
 *   await check.run(gatewayId, { targetHost: 'db', targetPort: 5432 }, { mode: 'tcp' }, 'orders-db');
 */
export type ConnectionCheckOutcome = 'reachable' | 'unreachable' | 'wrong-credentials' | 'failed';

export class PamConnectionCheck {
  readonly #tunnel: GatewayTunnelClient;

  constructor(tunnel: GatewayTunnelClient) {
    this.#tunnel = tunnel;
  }

  async run(
    gatewayId: string,
    target: GatewayTarget,
    request: ConnectionTestRequest,
    what: string,
    /** false for a resource (no credentials yet): a target that asks for a login is reachable. */
    withCredentials = true,
  ): Promise<void> {
    let answer: { status: number; body: ConnectionTestResponse };
    try {
      answer = await this.#ask(gatewayId, target, request);
    } catch (error) {
      throw new InvalidRequestError(
        `Connection test of ${what} failed: the gateway ${gatewayId} did not answer (${
          error instanceof Error ? error.message : String(error)
        }); nothing was saved`,
      );
    }
    if ('result' in answer.body && answer.body.result.ok) return;
    const failure = 'error' in answer.body ? answer.body.error : { message: 'no answer' };
    if (!withCredentials && failure.kind === 'auth') return;
    const said =
      failure.kind === 'auth'
        ? `wrong credentials: the target refused them (${failure.message})`
        : failure.kind === 'transport'
          ? `unreachable: the gateway could not reach the target (${failure.message})`
          : `failed: ${failure.message}`;
    throw new InvalidRequestError(`Connection test of ${what}: ${said}; nothing was saved`);
  }

  async #ask(
    gatewayId: string,
    target: GatewayTarget,
    request: ConnectionTestRequest,
  ): Promise<{ status: number; body: ConnectionTestResponse }> {
    const socket = await this.#tunnel.open(gatewayId, { ...target, alpn: ALPN.connectionTest });
    const payload = JSON.stringify({ timeoutMs: CONNECTION_TEST_DEFAULT_TIMEOUT_MS, ...request });
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => {
        socket.destroy();
        reject(new Error('no answer in time'));
      }, CONNECTION_TEST_STREAM_DEADLINE_MS);
      const outgoing = http.request({
        createConnection: () => socket,
        method: 'POST',
        path: CONNECTION_TEST_PATH,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      });
      outgoing.once('response', (response) => {
        const chunks: Buffer[] = [];
        let length = 0;
        response.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length <= 64 * 1024) chunks.push(chunk);
        });
        response.once('end', () => {
          clearTimeout(deadline);
          socket.destroy();
          try {
            resolve({
              status: response.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ConnectionTestResponse,
            });
          } catch {
            reject(new Error(`unreadable answer (HTTP ${response.statusCode})`));
          }
        });
      });
      outgoing.once('error', (error) => {
        clearTimeout(deadline);
        socket.destroy();
        reject(error);
      });
      outgoing.end(payload);
    });
  }
}
