import type { LoggerOptions } from 'pino';

/**
 * pino options for the control plane: one JSON event per line, and a redaction list as a second
 * line of defence — no code logs request bodies or headers, but if anything ever does, these
 * fields come out as "[redacted]".
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  '*.password',
  '*.clientSecret',
  '*.accessToken',
  '*.token',
  '*.privateKey',
  '*.serverPrivateKey',
  '*.clientPrivateKey',
  '*.relayAuthSecret',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
}
