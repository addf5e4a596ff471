/**
 * PostgreSQL ErrorResponse ('E') and NoticeResponse ('N'): reading the fields a server sent and
 * writing the gateway's own errors so that psql and drivers show them like server errors.
 *
 * Wire contract: byte1 'E' ‖ int32 length ‖ { byte1 field code ‖ cstring value }* ‖ NUL.
 * Field codes used here: S (localized severity), V (severity, never localized), C (SQLSTATE),
 * M (message), D (detail), H (hint).
 */
import { BodyReader, encodeMessage } from './wire-messages.ts';

/** SQLSTATE codes the gateway reports. */
export const SQLSTATE = {
  /** invalid_password: the server refused the stored credentials. */
  invalidPassword: '28P01',
  /** invalid_authorization_specification: no usable session or credentials. */
  invalidAuthorization: '28000',
  /** connection_failure: the target could not be reached. */
  connectionFailure: '08006',
  /** sqlclient_unable_to_establish_sqlconnection. */
  unableToConnect: '08001',
  /** protocol_violation. */
  protocolViolation: '08P01',
  /** admin_shutdown: the session was cancelled or expired. */
  adminShutdown: '57P01',
  /** feature_not_supported. */
  featureNotSupported: '0A000',
  /** program_limit_exceeded: the recorder would have to forget something still executable. */
  programLimitExceeded: '54000',
} as const;

export interface PgErrorFields {
  severity: string;
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

/**
 * Encodes an ErrorResponse the client shows as `<severity>:  <message>`.
 *
 * @example
 *   socket.end(encodeErrorResponse({ severity: 'FATAL', code: SQLSTATE.adminShutdown, message: 'session expired' }));
 */
export function encodeErrorResponse(fields: PgErrorFields): Buffer {
  const parts: Buffer[] = [];
  const add = (code: string, value: string | undefined): void => {
    if (value === undefined) return;
    parts.push(Buffer.from(code, 'latin1'), Buffer.from(value.replaceAll('\0', ''), 'utf8'));
    parts.push(Buffer.alloc(1));
  };
  add('S', fields.severity);
  add('V', fields.severity);
  add('C', fields.code);
  add('M', fields.message);
  add('D', fields.detail);
  add('H', fields.hint);
  parts.push(Buffer.alloc(1));
  return encodeMessage('E', Buffer.concat(parts));
}

/** The fields of an ErrorResponse/NoticeResponse body, by field code. */
export function parseErrorFields(body: Buffer): Map<string, string> {
  const reader = new BodyReader(body);
  const fields = new Map<string, string>();
  while (reader.remaining > 0) {
    const code = reader.bytes(1)[0]!;
    if (code === 0) break;
    fields.set(String.fromCharCode(code), reader.cstring());
  }
  return fields;
}

/** `ERROR: relation "x" does not exist` — the one-line summary the recording keeps. */
export function summarizeError(body: Buffer): string {
  try {
    const fields = parseErrorFields(body);
    const severity = fields.get('V') ?? fields.get('S') ?? 'ERROR';
    return `${severity}: ${fields.get('M') ?? '(no message)'}`;
  } catch {
    return 'ERROR: (malformed error response)';
  }
}
