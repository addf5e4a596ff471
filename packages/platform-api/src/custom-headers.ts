/**
 * `INFISICAL_CUSTOM_HEADERS`: extra HTTP headers sent on every request to the control plane (the
 * reference's §5.9), e.g. for an access proxy in front of it.
 *
 * Format (the reference's): entries separated by spaces, each `name=value`; a value with spaces is
 * written in double quotes, inside which `\"` is a quote and `\\` a backslash:
 *
 *   X-Org=acme CF-Access-Client-Id=abc.access CF-Access-Client-Secret="s3 cr3t"
 *
 * Refused, each with a reason that names the entry by its position and (when it is a valid header
 * name) by its name, never quoting a value, since values are often secrets:
 * - an entry without `=`, a name that is not an HTTP token, an empty value, an unclosed quote,
 *   text right after a closing quote, a control character (CR, LF, NUL, …) in a value;
 * - a name given twice (case-insensitively);
 * - a header the client sets itself ({@link CLIENT_OWNED_HEADERS}): the bearer token, the framing
 *   and content negotiation of each route.
 *
 * @example
 *   parseCustomHeaders('X-Org=acme X-Note="two words"'); // { 'X-Org': 'acme', 'X-Note': 'two words' }
 *   parseCustomHeaders('X-Org');  // 'entry 1 has no "=" (write name=value)'
 */

/** Headers the PlatformClient sets itself; a custom header may not replace them. */
export const CLIENT_OWNED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'accept',
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'host',
  'expect',
  'te',
  'trailer',
  'user-agent',
  'x-burrow-agent-version',
]);

/** RFC 9110 token: what an HTTP field name is made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Control characters (tab excepted) and DEL: they would split or corrupt the header. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f]/;

const FORMAT_HINT =
  'write name=value pairs separated by spaces, e.g. X-Org=acme X-Note="two words"';

/**
 * The headers of an `INFISICAL_CUSTOM_HEADERS` value (none for an unset or blank one), or why it
 * is invalid (one line, without the setting's name and without any value).
 */
export function parseCustomHeaders(text: string | undefined): Record<string, string> | string {
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  const source = text ?? '';
  let at = 0;
  for (let entry = 1; ; entry++) {
    while (at < source.length && /\s/.test(source[at] as string)) at++;
    if (at >= source.length) return headers;
    const start = at;
    while (at < source.length && source[at] !== '=' && !/\s/.test(source[at] as string)) at++;
    if (source[at] !== '=') return `entry ${entry} has no "=" (${FORMAT_HINT})`;
    const name = source.slice(start, at);
    if (name === '') return `entry ${entry} has no name before "=" (${FORMAT_HINT})`;
    if (!HEADER_NAME.test(name)) {
      return `entry ${entry}: its name is not an HTTP header name (letters, digits and !#$%&'*+-.^_\`|~ only)`;
    }
    const label = `entry ${entry} (${name})`;
    at++; // past '='
    let value = '';
    if (source[at] === '"') {
      at++;
      let closed = false;
      while (at < source.length) {
        const char = source[at] as string;
        if (char === '\\' && (source[at + 1] === '"' || source[at + 1] === '\\')) {
          value += source[at + 1];
          at += 2;
        } else if (char === '"') {
          closed = true;
          at++;
          break;
        } else {
          value += char;
          at++;
        }
      }
      if (!closed) return `${label}: its value's opening quote is never closed`;
      if (at < source.length && !/\s/.test(source[at] as string)) {
        return `${label}: a space must follow the closing quote of its value`;
      }
    } else {
      while (at < source.length && !/\s/.test(source[at] as string)) value += source[at++];
    }
    if (value === '') return `${label} has an empty value`;
    if (CONTROL_CHARACTER.test(value)) {
      return `${label}: its value holds a control character (line break, NUL, …)`;
    }
    const key = name.toLowerCase();
    if (CLIENT_OWNED_HEADERS.has(key)) {
      return `${label}: ${name} is set by Burrow itself and cannot be replaced`;
    }
    if (seen.has(key)) return `${label}: ${name} is given twice`;
    seen.add(key);
    headers[name] = value;
  }
}
