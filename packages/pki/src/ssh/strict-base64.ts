/**
 * Strict standard base64 (RFC 4648 §4, with `=` padding), as used in `authorized_keys` lines,
 * `*-cert.pub` files and the body of OpenSSH private key files.
 *
 * `Buffer.from(s, 'base64')` silently skips characters it does not understand and accepts missing
 * padding, so a damaged key line would decode to *some* bytes; here anything but canonical base64
 * is MALFORMED.
 */
import { CertificateError } from '../certificate-error.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes canonical base64; `offset` (the position of `text` in its line) is used in errors.
 *
 * @example
 *   decodeStrictBase64('AAAAC3NzaC1lZDI1NTE5', 0) // <Buffer 00 00 00 0b 73 73 68 ...>
 * @internal
 */
export function decodeStrictBase64(text: string, offset: number, what = 'base64 data'): Buffer {
  if (!BASE64.test(text)) {
    throw new CertificateError('MALFORMED', `${what} is not valid base64`, { offset });
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new CertificateError('MALFORMED', `${what} is not canonical base64`, { offset });
  }
  return bytes;
}
