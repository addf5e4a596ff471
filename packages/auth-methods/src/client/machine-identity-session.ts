import { EventEmitter } from 'node:events';
import type { LoginOptions } from './login-options.ts';
import { methodLoginRequest } from './method-login-request.ts';

/**
 * A logged-in machine identity whose access token stays fresh in the background.
 *
 * Contract (reference §7): `POST <api>/v1/auth/<method>/login` answers
 * `{accessToken, expiresIn, accessTokenMaxTTL, tokenType: "Bearer"}` (seconds). The session renews
 * with `POST <api>/v1/auth/token/renew {accessToken}` shortly before `expiresIn`, and logs in again
 * instead when renewing would outlive `accessTokenMaxTTL` or when renewal fails. A token given
 * directly (token auth) is used as it is.
 *
 * Emits 'renewed' after each refresh and 'error' (Error) when a refresh fails; the previous token
 * stays in use and the refresh is retried.
 *
 * @example
 *   const session = await MachineIdentitySession.login('http://127.0.0.1:8080/api', options);
 *   fetch(url, { headers: { authorization: `Bearer ${session.accessToken}` } });
 *   session.close();
 */
export interface TokenResponse {
  accessToken: string;
  expiresIn: number;
  accessTokenMaxTTL: number;
  tokenType: string;
}

/** Renew this long before expiry (the reference SDK uses 5 s). */
const RENEW_BEFORE_EXPIRY_MS = 5_000;
/** After a failed refresh, try again this soon. */
const RETRY_AFTER_FAILURE_MS = 5_000;
/** The longest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** HTTP deadline for one login or renew call. */
const REQUEST_TIMEOUT_MS = 15_000;

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export class MachineIdentitySession extends EventEmitter {
  private token: TokenResponse;
  private firstLoginAt: number;
  private lastFetchAt: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly apiUrl: string;
  private readonly options: LoginOptions;

  private constructor(apiUrl: string, options: LoginOptions, token: TokenResponse) {
    super();
    this.apiUrl = apiUrl;
    this.options = options;
    this.token = token;
    this.firstLoginAt = Date.now();
    this.lastFetchAt = this.firstLoginAt;
    this.on('error', () => {}); // refresh failures are reported, never fatal
    this.schedule();
  }

  static async login(apiUrl: string, options: LoginOptions): Promise<MachineIdentitySession> {
    return new MachineIdentitySession(apiUrl, options, await loginOnce(apiUrl, options));
  }

  get accessToken(): string {
    return this.token.accessToken;
  }

  /** When the current access token expires; undefined when the platform did not say (token auth). */
  get expiresAt(): Date | undefined {
    if (this.token.expiresIn <= 0) return undefined;
    return new Date(this.lastFetchAt + this.token.expiresIn * 1000);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs?: number): void {
    if (this.closed || this.options.method === 'token' || this.token.expiresIn <= 0) return;
    const dueAt = this.lastFetchAt + this.token.expiresIn * 1000 - RENEW_BEFORE_EXPIRY_MS;
    // setTimeout overflows (and fires after 1 ms) past 2^31-1 ms; a 30-day token must wait in steps.
    const delay = Math.min(MAX_TIMER_MS, delayMs ?? Math.max(1_000, dueAt - Date.now()));
    const refreshNow = delayMs !== undefined || Date.now() + delay >= dueAt;
    this.timer = setTimeout(() => void (refreshNow ? this.refresh() : this.schedule()), delay);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    try {
      const sinceFirstLogin = (Date.now() - this.firstLoginAt) / 1000;
      const maxTtl = this.token.accessTokenMaxTTL;
      const renewalWouldOutliveMaxTtl =
        maxTtl > 0 && maxTtl - sinceFirstLogin < this.token.expiresIn;
      if (renewalWouldOutliveMaxTtl) {
        await this.relogin();
      } else {
        try {
          this.token = await postJson(`${this.apiUrl}/v1/auth/token/renew`, {
            accessToken: this.token.accessToken,
          });
        } catch {
          await this.relogin();
        }
      }
      this.lastFetchAt = Date.now();
      this.emit('renewed');
      this.schedule();
    } catch (error) {
      this.emit('error', error);
      this.schedule(RETRY_AFTER_FAILURE_MS);
    }
  }

  private async relogin(): Promise<void> {
    this.token = await loginOnce(this.apiUrl, this.options);
    this.firstLoginAt = Date.now();
  }
}

async function loginOnce(apiUrl: string, options: LoginOptions): Promise<TokenResponse> {
  if (options.method === 'token') {
    return { accessToken: options.token, expiresIn: 0, accessTokenMaxTTL: 0, tokenType: 'Bearer' };
  }
  const request = await methodLoginRequest(options);
  return postJson(`${apiUrl}${request.path}`, request.body);
}

async function postJson(url: string, body: unknown): Promise<TokenResponse> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'burrow' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(
      `cannot reach the platform at ${new URL(url).origin}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(
      response.status,
      `platform answered ${response.status} with a non-JSON body from ${new URL(url).pathname}`,
    );
  }
  if (!response.ok) {
    const message = (parsed as { message?: unknown }).message;
    throw new ApiError(
      response.status,
      `login refused (${response.status}) by ${new URL(url).pathname}: ${typeof message === 'string' ? message : 'no message'}`,
    );
  }
  const token = parsed as Partial<TokenResponse>;
  if (typeof token.accessToken !== 'string' || typeof token.expiresIn !== 'number') {
    throw new ApiError(
      response.status,
      `platform answered ${new URL(url).pathname} without accessToken/expiresIn`,
    );
  }
  return { accessTokenMaxTTL: 0, tokenType: 'Bearer', ...token } as TokenResponse;
}
