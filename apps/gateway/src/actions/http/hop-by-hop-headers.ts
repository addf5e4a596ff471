/**
 * Headers that belong to one HTTP connection, not to the message (RFC 9110 §7.6.1): a proxy must
 * not pass them on. Node's client and server set their own framing (Content-Length or chunked,
 * keep-alive) for the hop they run.
 */

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** One header as it came off the wire (name casing kept). */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/** `rawHeaders` ([name, value, name, value, …]) as fields. */
export function headerFields(rawHeaders: readonly string[]): HeaderField[] {
  const fields: HeaderField[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    fields.push({ name: rawHeaders[i] as string, value: rawHeaders[i + 1] as string });
  }
  return fields;
}

/**
 * `fields` without hop-by-hop headers and without those the Connection header names. With
 * `keepUpgrade`, `Connection: Upgrade` and `Upgrade` stay (a WebSocket / SPDY handshake).
 */
export function endToEndHeaders(
  fields: readonly HeaderField[],
  keepUpgrade = false,
): HeaderField[] {
  const named = new Set<string>();
  for (const field of fields) {
    if (field.name.toLowerCase() !== 'connection') continue;
    for (const token of field.value.split(',')) named.add(token.trim().toLowerCase());
  }
  const kept = fields.filter((field) => {
    const name = field.name.toLowerCase();
    if (keepUpgrade && name === 'upgrade') return true;
    return !HOP_BY_HOP.has(name) && !named.has(name);
  });
  if (keepUpgrade) kept.push({ name: 'Connection', value: 'Upgrade' });
  return kept;
}

/** Fields as the flat array node's http accepts for headers. */
export function flatHeaders(fields: readonly HeaderField[]): string[] {
  return fields.flatMap((field) => [field.name, field.value]);
}
