/**
 * The gateway's logger: pino, JSON, one event per line on stdout.
 *
 * Nothing secret is ever passed to it (tokens, client secrets, private keys, certificates); the
 * redaction list is a second line of defence in case a future log call passes a whole object.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './gateway-config.ts';

const REDACTED_PATHS = [
  'accessToken',
  'token',
  'clientSecret',
  'privateKey',
  '*.accessToken',
  '*.token',
  '*.clientSecret',
  '*.privateKey',
  '*.serverPrivateKey',
  '*.clientPrivateKey',
  'pki',
  'ssh',
  '*.pki',
  '*.ssh',
];

/**
 * @example
 *   const logger = createLogger('info');
 *   logger.info({ gatewayId }, 'Gateway started successfully');
 */
export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({
    name: 'burrow-gateway',
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
}
