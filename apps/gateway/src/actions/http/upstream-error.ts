/**
 * What the caller is told when the gateway could not get an answer from the target: a status that
 * says what happened and one line a person can act on. Never a secret (no header value, no body).
 */

/** An error the gateway raises itself with the status to answer with. */
export class GatewayHttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** OpenSSL / node codes of a target certificate that did not verify. */
const TLS_VERIFICATION_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
]);

/**
 * @example
 *   describeUpstreamError(econnrefused, origin);
 *   // {status: 502, message: 'the target http://10.0.0.5:8080 is unreachable (ECONNREFUSED)'}
 */
export function describeUpstreamError(
  error: unknown,
  origin: URL,
): { status: number; message: string } {
  const target = origin.origin;
  if (error instanceof GatewayHttpError) {
    return { status: error.status, message: `${error.message} (${target})` };
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (TLS_VERIFICATION_CODES.has(code)) {
    return {
      status: 502,
      message: `the TLS certificate of ${target} was not accepted (${code}); give its CA with ca= or turn verification off with verify=false`,
    };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { status: 502, message: `the response headers of ${target} are too large` };
  }
  if (code.startsWith('HPE_')) {
    return { status: 502, message: `${target} sent a malformed HTTP response (${code})` };
  }
  if (UNREACHABLE_CODES.has(code)) {
    return { status: 502, message: `the target ${target} is unreachable (${code})` };
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
    return { status: 502, message: `TLS with ${target} failed (${code})` };
  }
  return {
    status: 502,
    message: `the request to ${target} failed${code ? ` (${code})` : ''}`,
  };
}
