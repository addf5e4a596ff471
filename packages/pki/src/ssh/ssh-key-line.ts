/**
 * The one-line text form shared by `*.pub` files, `authorized_keys` entries (without options) and
 * `*-cert.pub` files:
 *
 *   <type> SP <base64 of the wire blob> [SP <comment>]
 *
 * `type` must equal the name at the start of the blob; the comment runs to the end of the line and
 * is free text (no line breaks).
 */
import { CertificateError } from '../certificate-error.ts';
import { decodeStrictBase64 } from './strict-base64.ts';
import { SshWireReader } from './ssh-wire.ts';

/** The parts of a key line. @internal */
export interface SshKeyLine {
  readonly type: string;
  readonly blob: Buffer;
  readonly comment: string;
}

/** Longest line we accept; an RSA-16384 certificate line is about 6 KiB. */
const MAX_LINE_LENGTH = 64 * 1024;

/**
 * Splits and decodes a key line, checking that the written type matches the blob's own name.
 * Offsets in errors are character positions in the line.
 *
 * @example
 *   splitSshKeyLine('ssh-ed25519 AAAAC3Nz... me@host') // { type: 'ssh-ed25519', blob, comment: 'me@host' }
 * @internal
 */
export function splitSshKeyLine(text: string): SshKeyLine {
  if (text.length > MAX_LINE_LENGTH) {
    throw new CertificateError('MALFORMED', `key line longer than ${MAX_LINE_LENGTH} characters`, {
      offset: MAX_LINE_LENGTH,
    });
  }
  const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t';
  const end = text.trimEnd().length;
  let i = 0;
  while (i < end && /\s/.test(text[i] as string)) i++;
  const typeStart = i;
  while (i < end && !/\s/.test(text[i] as string)) i++;
  const type = text.slice(typeStart, i);
  const gapStart = i;
  while (i < end && isSpace(text[i])) i++;
  const dataOffset = i;
  while (i < end && !/\s/.test(text[i] as string)) i++;
  const data = text.slice(dataOffset, i);
  if (type === '' || data === '' || dataOffset === gapStart) {
    throw new CertificateError('MALFORMED', 'expected "<type> <base64> [comment]"', {
      offset: typeStart,
    });
  }
  while (i < end && isSpace(text[i])) i++;
  const comment = text.slice(i, end);
  if (/[\r\n]/.test(comment) || (i === dataOffset + data.length && i < end)) {
    throw new CertificateError('MALFORMED', 'key line continues past one line', { offset: i });
  }
  const blob = decodeStrictBase64(data, dataOffset, 'key data');
  const inner = new SshWireReader(blob).readUtf8('key type');
  if (inner !== type) {
    throw new CertificateError(
      'MALFORMED',
      `line says ${JSON.stringify(type)} but the key data is ${JSON.stringify(inner)}`,
      { offset: dataOffset },
    );
  }
  return { type, blob, comment };
}

/**
 * Joins a type, a blob and an optional comment into one line (no trailing newline).
 * @internal
 */
export function joinSshKeyLine(type: string, blob: Buffer, comment?: string): string {
  if (comment !== undefined && /[\r\n]/.test(comment)) {
    throw new CertificateError('INVALID_ARGUMENT', 'a key comment cannot contain a line break');
  }
  const base = `${type} ${blob.toString('base64')}`;
  return comment === undefined || comment === '' ? base : `${base} ${comment}`;
}
