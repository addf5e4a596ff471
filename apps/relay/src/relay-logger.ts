/**
 * The relay's logger: pino, one JSON event per line on stdout. Secrets are never passed to it;
 * the redaction list is a second line of defence in case a whole object ever is.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';

const REDACTED_PATHS = [
  'token',
  'accessToken',
  'clientSecret',
  'relayAuthSecret',
  'secret',
  'privateKey',
  'serverPrivateKey',
  '*.token',
  '*.accessToken',
  '*.clientSecret',
  '*.secret',
  '*.privateKey',
  '*.serverPrivateKey',
];

export function createRelayLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    name: 'burrow-relay',
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
