/**
 * Base64 text → bytes without Node's Buffer (the web console bundles the recording views), as
 * leniently as Buffer.from(text, 'base64'): URL-safe letters accepted, anything else skipped.
 */
export function base64Bytes(text: string): Uint8Array {
  const clean = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .replace(/[^A-Za-z0-9+/]/g, '');
  const usable = clean.length % 4 === 1 ? clean.slice(0, -1) : clean;
  const binary = atob(usable.padEnd(Math.ceil(usable.length / 4) * 4, '='));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Base64 text → its bytes read as UTF-8 (invalid sequences become U+FFFD). */
export function base64Utf8(text: string): string {
  return new TextDecoder('utf-8').decode(base64Bytes(text));
}
