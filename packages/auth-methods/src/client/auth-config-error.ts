/**
 * A login method is misconfigured on the client side (a missing setting, an unreadable file).
 * The message is one line naming the flag and its environment variable; it never contains the
 * credential itself.
 */
export class AuthConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthConfigError';
  }
}
