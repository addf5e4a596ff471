/**
 * `burrow`'s diagnostic log: pino JSON lines on stderr, only with `--debug` / `BURROW_DEBUG=1`.
 * Normal output is human text on stdout/stderr; this is for finding out why something failed.
 *
 * Nothing secret is passed to it (access token, private keys, certificates); the redaction list
 * is a second line of defence.
 *
 * @example
 *   const log = createDebugLogger(options.debug);
 *   log.debug({ sessionId }, 'capabilities fetched');
 */
import { pino, type Logger } from 'pino';

const REDACTED_PATHS = [
  'accessToken',
  'token',
  'clientSecret',
  'password',
  '*.accessToken',
  '*.token',
  '*.clientSecret',
  '*.password',
  '*.relayClientPrivateKey',
  '*.gatewayClientPrivateKey',
  '*.privateKey',
];

export function createDebugLogger(enabled: boolean): Logger {
  return pino(
    {
      name: 'burrow',
      level: enabled ? 'debug' : 'silent',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    pino.destination(2),
  );
}
