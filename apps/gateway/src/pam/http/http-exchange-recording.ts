/**
 * How one HTTP exchange of a PAM session is written to its recording (reference §8.4, HTTP shape,
 * plus Burrow's `bodyTruncated`, `bodyBytes` and `elapsedMs`):
 *
 *   {"timestamp","eventType":"request","requestId","method","url","headers":{name:[values]},
 *    "body":<base64, at most PAM_HTTP_RECORDED_BODY_BYTES>,"bodyTruncated"}
 *   {"timestamp","eventType":"response","requestId","status","headers","body","bodyTruncated",
 *    "elapsedMs"}
 *
 * Masked before anything is written: the values of credential headers (Authorization,
 * Proxy-Authorization, Cookie, Set-Cookie, the account's own header) become "[MASKED]", and every
 * occurrence of the account's secrets in a header or the recorded body prefix becomes "[MASKED]".
 */
import type {
  ExchangeRecorder,
  RecordedRequest,
  RecordedResponse,
} from '../../actions/http/http-forwarder.ts';
import type { HeaderField } from '../../actions/http/hop-by-hop-headers.ts';
import type { HttpTargetCredentials } from './http-credentials.ts';

/** How much of each body is kept in the recording. */
export const PAM_HTTP_RECORDED_BODY_BYTES = 16 * 1024;

export const MASKED = '[MASKED]';

const ALWAYS_MASKED = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/**
 * @example
 *   const recorder = createExchangeRecorder(credentials, (event) => session.record(event));
 */
export function createExchangeRecorder(
  credentials: HttpTargetCredentials,
  record: (event: object) => Promise<void>,
): ExchangeRecorder {
  const maskedNames = new Set([...ALWAYS_MASKED, credentials.injected.name.toLowerCase()]);
  const maskText = (text: string): string => {
    let masked = text;
    for (const secret of credentials.secrets) masked = masked.split(secret).join(MASKED);
    return masked;
  };
  const headers = (fields: readonly HeaderField[]): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    for (const field of fields) {
      const value = maskedNames.has(field.name.toLowerCase()) ? MASKED : maskText(field.value);
      (out[field.name] ??= []).push(value);
    }
    return out;
  };
  const body = (bytes: Buffer): string =>
    Buffer.from(
      maskText(bytes.subarray(0, PAM_HTTP_RECORDED_BODY_BYTES).toString('latin1')),
      'latin1',
    ).toString('base64');
  return {
    bodyLimit: PAM_HTTP_RECORDED_BODY_BYTES,
    request: (event: RecordedRequest) =>
      record({
        timestamp: new Date().toISOString(),
        eventType: 'request',
        requestId: String(event.requestId),
        method: event.method,
        url: maskText(event.url),
        headers: headers(event.headers),
        body: body(event.body),
        bodyTruncated: event.bodyTruncated,
      }),
    response: (event: RecordedResponse) =>
      record({
        timestamp: new Date().toISOString(),
        eventType: 'response',
        requestId: String(event.requestId),
        status: event.status,
        headers: headers(event.headers),
        body: body(event.body),
        bodyTruncated: event.bodyTruncated,
        elapsedMs: event.elapsedMs,
      }),
  };
}
