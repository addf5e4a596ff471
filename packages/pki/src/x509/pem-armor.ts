/**
 * PEM armor (RFC 7468): `-----BEGIN <label>-----`, base64 body in 64-column lines,
 * `-----END <label>-----`.
 *
 * Decoding is a single linear pass over lines (no backtracking regexes), so hostile input cannot
 * make it hang; text between blocks is ignored, as OpenSSL and Go do (chain files often carry
 * comments). Inside a block only strict base64 is accepted: RFC 1421 headers (`Proc-Type:` — an
 * encrypted legacy key) and stray characters are MALFORMED rather than silently skipped.
 */
import { CertificateError } from '../certificate-error.ts';

/**
 * Largest PEM text we parse. A chain of a handful of certificates is a few KiB; refusing absurd
 * input keeps a bad configuration value or peer from making us decode megabytes.
 *
 * @example
 *   decodePemBlocks('A'.repeat(MAX_PEM_TEXT_LENGTH + 1)); // throws MALFORMED
 */
export const MAX_PEM_TEXT_LENGTH = 1024 * 1024;

/**
 * One decoded PEM block.
 *
 * @example
 *   const [{ label, der }] = decodePemBlocks(pem); // label === 'CERTIFICATE'
 */
export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;
const LABEL = /^[A-Z0-9][A-Z0-9 #-]*$/;

/**
 * Wraps DER bytes in PEM armor, 64 base64 characters a line, ending with a newline (so blocks can
 * be concatenated into a chain).
 *
 * @example
 *   encodePem('CERTIFICATE', der); // "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n"
 */
export function encodePem(label: string, der: Uint8Array | ArrayBuffer): string {
  const base64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString(
    'base64',
  );
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Decodes every PEM block in `text`, in order. Returns an empty list when there is none; throws
 * CertificateError('MALFORMED') for an unterminated block, bad base64 or oversized input.
 *
 * @example
 *   const blocks = decodePemBlocks(chainPem).filter((b) => b.label === 'CERTIFICATE');
 */
export function decodePemBlocks(text: string): PemBlock[] {
  if (typeof text !== 'string')
    throw new CertificateError('MALFORMED', 'PEM input is not a string');
  if (text.length > MAX_PEM_TEXT_LENGTH) {
    throw new CertificateError(
      'MALFORMED',
      `PEM input is ${text.length} characters, more than ${MAX_PEM_TEXT_LENGTH}`,
    );
  }
  const blocks: PemBlock[] = [];
  let label: string | undefined;
  let body: string[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').trim();
    if (label === undefined) {
      if (line.startsWith('-----BEGIN ')) {
        label = parseBoundary(line, '-----BEGIN ', n);
        body = [];
      } else if (line.startsWith('-----END ')) {
        throw new CertificateError('MALFORMED', `PEM END line ${n + 1} without a BEGIN line`);
      }
      continue;
    }
    if (line.startsWith('-----END ')) {
      const endLabel = parseBoundary(line, '-----END ', n);
      if (endLabel !== label) {
        throw new CertificateError(
          'MALFORMED',
          `PEM block "${label}" ends with "${endLabel}" (line ${n + 1})`,
        );
      }
      blocks.push({ label, der: decodeBase64Body(body, label) });
      label = undefined;
      continue;
    }
    if (line.startsWith('-----')) {
      throw new CertificateError('MALFORMED', `PEM block "${label}" is not terminated`);
    }
    if (!BASE64_LINE.test(line)) {
      throw new CertificateError(
        'MALFORMED',
        `PEM block "${label}" has a line that is not base64 (line ${n + 1})`,
      );
    }
    body.push(line);
  }
  if (label !== undefined) {
    throw new CertificateError('MALFORMED', `PEM block "${label}" is not terminated`);
  }
  return blocks;
}

function parseBoundary(line: string, prefix: string, n: number): string {
  const label = line.endsWith('-----') ? line.slice(prefix.length, -5) : '';
  if (!LABEL.test(label)) {
    throw new CertificateError('MALFORMED', `bad PEM boundary line ${n + 1}`);
  }
  return label;
}

function decodeBase64Body(lines: string[], label: string): Buffer {
  const base64 = lines.join('');
  // '=' padding may only appear at the very end, and the body must be whole base64 quanta.
  const padding = base64.indexOf('=');
  if (
    base64.length === 0 ||
    base64.length % 4 !== 0 ||
    (padding !== -1 && padding < base64.length - 2)
  ) {
    throw new CertificateError('MALFORMED', `PEM block "${label}" has invalid base64`);
  }
  return Buffer.from(base64, 'base64');
}
