/**
 * Text from a recording, made safe to print on a person's terminal. A recorded query is written
 * by whoever used the session: left raw, `\x1b[2K\r` erases the line an auditor is reading, a
 * bidi override reorders it, a carriage return overprints it. Every human-readable output of
 * recorded text (`burrow pam sessions show`, `burrow-gateway recordings export --format text`)
 * goes through {@link terminalSafeText}; JSON exports stay byte-exact and never do.
 *
 * Shown escaped, so nothing is hidden and nothing is lost:
 * - C0 controls except tab and line feed: `\r`, `\x1b`, `\x00`, … (`\t` and `\n` are layout)
 * - DEL and the C1 controls (U+007F–U+009F, e.g. the 8-bit CSI U+009B): `\x7f`, `\u009b`
 * - bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the line and
 *   paragraph separators (U+2028, U+2029) and zero-width/invisible format characters
 *   (U+200B–U+200F, U+2060–U+2064, U+FEFF): `\u202e`, …
 * - lone surrogates (not text): `\ud800`
 * A backslash already in the text is left as it is (SQL is full of them); an escape shown by
 * this function can therefore be imitated by typing it, but never used to hide anything.
 *
 * @example
 *   terminalSafeText('SELECT 1;\x1b[2K\rSELECT 2') === 'SELECT 1;\\x1b[2K\\rSELECT 2'
 */
export function terminalSafeText(text: string): string {
  return text.replace(UNSAFE, escapeCharacter);
}

/** Like {@link terminalSafeText}, and line feeds and tabs are shown escaped too (one-line cells). */
export function terminalSafeLine(text: string): string {
  return terminalSafeText(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

function escapeCharacter(character: string): string {
  const named = NAMED[character];
  if (named) return named;
  const code = character.charCodeAt(0);
  return code <= 0x7f
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}
