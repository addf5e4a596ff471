/**
 * A command other than `start` could not do its job (control plane refused the login, a recording
 * failed authentication, no such recording). main.ts prints the message as one line on stderr
 * and exits 1; the message never holds a secret.
 */
export class CommandFailure extends Error {
  override name = 'CommandFailure';
}
