import { base64Bytes } from './base64-bytes.ts';
import { terminalSafeText } from './terminal-safe-text.ts';

/**
 * An HTTP exchange event of a PAM session (reference §8.4 HTTP shape: web applications and
 * Kubernetes) for a person to read:
 *
 *   [3] 2030-01-01T00:00:00.000Z  GET /api/v1/namespaces/default/pods  (request 7)
 *       Accept: application/json
 *       Authorization: [MASKED]
 *   [4] 2030-01-01T00:00:00.012Z  ← 200  (request 7, 12 ms)
 *       Content-Type: application/json
 *       body (1 KiB shown, truncated): {"kind":"PodList",…
 *
 * Headers and body are shown as recorded (already masked by the gateway), through
 * {@link terminalSafeText}; a body that is not text is summarised by its size.
 */
export interface HttpEventFields {
  timestamp: string;
  eventType: 'request' | 'response';
  requestId?: unknown;
  method?: unknown;
  url?: unknown;
  status?: unknown;
  headers?: unknown;
  body?: unknown;
  bodyTruncated?: unknown;
  elapsedMs?: unknown;
}

/** How many characters of a recorded body are shown. */
const BODY_PREVIEW_CHARS = 400;

export function isHttpEvent(event: unknown): event is HttpEventFields {
  const fields = event as HttpEventFields | null;
  return (
    typeof fields === 'object' &&
    fields !== null &&
    typeof fields.timestamp === 'string' &&
    (fields.eventType === 'request' || fields.eventType === 'response')
  );
}

export function formatHttpEvent(event: HttpEventFields, number: number): string {
  const indent = '    ';
  const safe = (value: unknown): string =>
    terminalSafeText(String(value ?? '')).replace(/\n/g, ' ');
  const id = safe(event.requestId);
  const title =
    event.eventType === 'request'
      ? `${safe(event.method)} ${safe(event.url)}  (request ${id})`
      : `← ${safe(event.status)}  (request ${id}${
          typeof event.elapsedMs === 'number' ? `, ${event.elapsedMs} ms` : ''
        })`;
  const lines = [`[${number}] ${safe(event.timestamp)}  ${title}`];
  if (event.headers && typeof event.headers === 'object') {
    for (const [name, values] of Object.entries(event.headers as Record<string, unknown>)) {
      for (const value of Array.isArray(values) ? values : [values]) {
        lines.push(`${indent}${safe(name)}: ${safe(value)}`);
      }
    }
  }
  if (typeof event.body === 'string' && event.body !== '') {
    const bytes = base64Bytes(event.body);
    const text = new TextDecoder('utf-8').decode(bytes);
    // Text unless it has NUL or other C0 controls (besides tab/newline/CR/FF) or invalid UTF-8.
    const printable = ![...text].some((char) => {
      const code = char.codePointAt(0) ?? 0;
      return (code < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d].includes(code)) || code === 0xfffd;
    });
    const truncated = event.bodyTruncated === true ? ', truncated' : '';
    lines.push(
      printable
        ? `${indent}body (${bytes.length} bytes shown${truncated}): ${safe(text.slice(0, BODY_PREVIEW_CHARS))}${
            text.length > BODY_PREVIEW_CHARS ? '…' : ''
          }`
        : `${indent}body: ${bytes.length} bytes of binary data${truncated}`,
    );
  }
  return lines.join('\n');
}
