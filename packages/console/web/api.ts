/**
 * The console's one way to call the control plane: same origin, the HttpOnly session cookie sent
 * by the browser, `X-CSRF-Token` on every change (the token comes from the sign-in / session
 * answer and lives only in memory). Errors become ApiError with the control plane's message, so
 * pages show words, never a stack trace.
 */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'The control plane cannot be reached; is it running?');
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(
      response.status,
      `The control plane answered ${response.status} without JSON`,
    );
  }
  if (!response.ok) {
    const message = (json as { message?: unknown }).message;
    throw new ApiError(
      response.status,
      typeof message === 'string' ? message : `The control plane answered ${response.status}`,
    );
  }
  return json as T;
}

export interface ConsoleSession {
  user: { id: string; email: string };
  organization: { id: string; name: string; slug: string };
  identity: { id: string; name: string; role: string };
  csrfToken: string;
  expiresIn: number;
}
