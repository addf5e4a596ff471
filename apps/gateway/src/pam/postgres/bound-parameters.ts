/**
 * Rendering the extended protocol for the session log: a Bind's parameter values as SQL literals,
 * interpolated into the Parse's query text in place of $1, $2, ... (reference §8.3: "Parse/Bind/
 * Execute with params interpolated for the log").
 *
 * The result is for people reading an audit log, not for execution: text parameters become quoted
 * literals ('it''s'), NULL stays NULL, numbers and booleans of known numeric types stay bare,
 * binary parameters of common types are decoded and other binary values are shown as '\x<hex>'.
 * `$n` inside quotes, quoted identifiers, dollar-quoted strings and comments is left alone.
 */
import { BodyReader } from './wire-messages.ts';

/** One value in the log never exceeds this (a 1 GB bytea would not help an auditor). */
const MAX_RENDERED_PARAMETER_CHARS = 64 * 1024;

/** PostgreSQL type OIDs the renderer understands. */
const OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  float4: 700,
  float8: 701,
  numeric: 1700,
} as const;
const NUMERIC_OIDS: ReadonlySet<number> = new Set([
  OID.int8,
  OID.int2,
  OID.int4,
  OID.oid,
  OID.float4,
  OID.float8,
  OID.numeric,
]);

export interface ParsedBind {
  readonly portal: string;
  readonly statement: string;
  /** Each parameter already rendered as a SQL literal. */
  readonly parameters: readonly string[];
}

/** Reads a Bind body and renders its parameters using the statement's declared types. */
export function parseBind(body: Buffer, parameterTypes: readonly number[]): ParsedBind {
  const reader = new BodyReader(body);
  const portal = reader.cstring();
  const statement = reader.cstring();
  const formatCount = reader.int16();
  const formats: number[] = [];
  for (let i = 0; i < formatCount; i++) formats.push(reader.int16());
  const parameterCount = reader.int16();
  const parameters: string[] = [];
  for (let i = 0; i < parameterCount; i++) {
    const length = reader.int32();
    const format = formatCount === 0 ? 0 : formatCount === 1 ? formats[0]! : (formats[i] ?? 0);
    if (length === -1) {
      parameters.push('NULL');
      continue;
    }
    const value = reader.bytes(length);
    parameters.push(renderParameter(value, format, parameterTypes[i] ?? 0));
  }
  return { portal, statement, parameters };
}

function renderParameter(value: Buffer, format: number, typeOid: number): string {
  if (format === 0) {
    const text = value.toString('utf8');
    if (NUMERIC_OIDS.has(typeOid) && /^[-+]?[0-9.eE+-]+$|^-?Infinity$|^NaN$/.test(text)) {
      return text;
    }
    if (typeOid === OID.bool && /^(t|f|true|false)$/i.test(text)) return text;
    return quoteLiteral(text);
  }
  switch (typeOid) {
    case OID.bool:
      if (value.length === 1) return value[0] ? 'true' : 'false';
      break;
    case OID.int2:
      if (value.length === 2) return String(value.readInt16BE(0));
      break;
    case OID.int4:
      if (value.length === 4) return String(value.readInt32BE(0));
      break;
    case OID.oid:
      if (value.length === 4) return String(value.readUInt32BE(0));
      break;
    case OID.int8:
      if (value.length === 8) return String(value.readBigInt64BE(0));
      break;
    case OID.float4:
      if (value.length === 4) return String(value.readFloatBE(0));
      break;
    case OID.float8:
      if (value.length === 8) return String(value.readDoubleBE(0));
      break;
  }
  const maxBytes = MAX_RENDERED_PARAMETER_CHARS / 2;
  const hex = value.subarray(0, maxBytes).toString('hex');
  return `'\\x${hex}${value.length > maxBytes ? '…' : ''}'`;
}

function quoteLiteral(text: string): string {
  const clipped =
    text.length > MAX_RENDERED_PARAMETER_CHARS
      ? `${text.slice(0, MAX_RENDERED_PARAMETER_CHARS)}…`
      : text;
  return `'${clipped.replaceAll("'", "''")}'`;
}

/**
 * Replaces $1..$n in `query` with `parameters[n - 1]`, skipping quoted text and comments.
 * A placeholder with no parameter is left as it is.
 *
 * @example
 *   interpolateParameters('select $1::int, \'$2\'', ['42']) // "select 42::int, '$2'"
 */
export function interpolateParameters(query: string, parameters: readonly string[]): string {
  if (parameters.length === 0) return query;
  let out = '';
  let i = 0;
  const n = query.length;
  while (i < n) {
    const c = query[i]!;
    if (c === "'" || c === '"') {
      const end = closingQuote(query, i, c);
      out += query.slice(i, end);
      i = end;
    } else if (c === '-' && query[i + 1] === '-') {
      const end = query.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      out += query.slice(i, stop);
      i = stop;
    } else if (c === '/' && query[i + 1] === '*') {
      const end = query.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += query.slice(i, stop);
      i = stop;
    } else if (c === '$') {
      const digits = /^\$([0-9]+)/.exec(query.slice(i, i + 12));
      const previous = i > 0 ? query[i - 1]! : ' ';
      if (digits && !/[A-Za-z0-9_]/.test(previous)) {
        const index = Number(digits[1]) - 1;
        out += index < parameters.length ? parameters[index] : digits[0];
        i += digits[0].length;
        continue;
      }
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(query.slice(i, i + 64));
      if (tag && !/[A-Za-z0-9_]/.test(previous)) {
        const end = query.indexOf(tag[0], i + tag[0].length);
        const stop = end < 0 ? n : end + tag[0].length;
        out += query.slice(i, stop);
        i = stop;
        continue;
      }
      out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index just past the quote that closes the one at `start` (doubled quotes are escapes). */
function closingQuote(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return text.length;
}
