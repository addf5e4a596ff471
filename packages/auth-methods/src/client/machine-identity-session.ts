import { EventEmitter } from 'node:events';
import { PlatformClient, PlatformError, routes, type RouteResponse } from '@burrow/platform-api';
import type { LoginOptions } from './login-options.ts';
import { methodLoginRequest } from './method-login-request.ts';

/**
 * A logged-in machine identity whose access token stays fresh in the background.
 *
 * Contract (reference §7; @burrow/platform-api): the method's login route answers
 * `{accessToken, expiresIn, accessTokenMaxTTL, tokenType: "Bearer"}` (seconds). The session renews
 * with routes.renewAccessToken `{accessToken}` shortly before `expiresIn`, and logs in again
 * instead when renewing would outlive `accessTokenMaxTTL` or when renewal fails. A token given
 * directly (token auth) is used as it is. A refused login is a PlatformError reading
 * `login refused (<status>) by <path>: <the platform's message>`.
 *
 * Emits 'renewed' after each refresh and 'error' (Error) when a refresh fails; the previous token
 * stays in use and the refresh is retried.
 *
 * @example
 *   const session = await MachineIdentitySession.login('http://127.0.0.1:8080/api', options);
 *   fetch(url, { headers: { authorization: `Bearer ${session.accessToken}` } });
 *   session.close();
 */
export type TokenResponse = RouteResponse<typeof routes.renewAccessToken>;

/** Renew this long before expiry (the reference SDK uses 5 s). */
const RENEW_BEFORE_EXPIRY_MS = 5_000;
/** After a failed refresh, try again this soon. */
const RETRY_AFTER_FAILURE_MS = 5_000;
/** The longest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** HTTP deadline for one login or renew call. */
const REQUEST_TIMEOUT_MS = 15_000;

export class MachineIdentitySession extends EventEmitter {
  private token: TokenResponse;
  private firstLoginAt: number;
  private lastFetchAt: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly platform: PlatformClient;
  private readonly options: LoginOptions;

  private constructor(platform: PlatformClient, options: LoginOptions, token: TokenResponse) {
    super();
    this.platform = platform;
    this.options = options;
    this.token = token;
    this.firstLoginAt = Date.now();
    this.lastFetchAt = this.firstLoginAt;
    this.on('error', () => {}); // refresh failures are reported, never fatal
    this.schedule();
  }

  /** `headers`: INFISICAL_CUSTOM_HEADERS, sent with every login and renewal (resolveCustomHeaders). */
  static async login(
    apiUrl: string,
    options: LoginOptions,
    headers?: Readonly<Record<string, string>>,
  ): Promise<MachineIdentitySession> {
    const platform = new PlatformClient({
      apiUrl,
      timeoutMs: REQUEST_TIMEOUT_MS,
      ...(headers ? { headers } : {}),
    });
    return new MachineIdentitySession(platform, options, await loginOnce(platform, options));
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
          this.token = await this.platform.call(routes.renewAccessToken, {
            body: { accessToken: this.token.accessToken },
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
    this.token = await loginOnce(this.platform, this.options);
    this.firstLoginAt = Date.now();
  }
}

async function loginOnce(platform: PlatformClient, options: LoginOptions): Promise<TokenResponse> {
  if (options.method === 'token') {
    return { accessToken: options.token, expiresIn: 0, accessTokenMaxTTL: 0, tokenType: 'Bearer' };
  }
  const { route, body } = await methodLoginRequest(options);
  try {
    return await platform.call(route, { body: body as never });
  } catch (error) {
    if (error instanceof PlatformError && error.kind === 'http') {
      throw new PlatformError(
        `login refused (${error.status}) by ${error.path}: ${error.serverMessage || 'no message'}`,
        error,
      );
    }
    throw error;
  }
}
