import { ConfigError, nonEmpty, type Setting } from './config-error.ts';

/** pino's levels, most to least severe, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/**
 * A log level setting: one of {@link LOG_LEVELS}, {@link DEFAULT_LOG_LEVEL} when unset or blank.
 *
 * @example
 *   parseLogLevel({ flag: '--log-level', env: 'BURROW_LOG_LEVEL' }, 'debug'); // 'debug'
 */
export function parseLogLevel(setting: Setting, value: string | undefined): LogLevel {
  const level = nonEmpty(value) ?? DEFAULT_LOG_LEVEL;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(
      setting,
      `${JSON.stringify(level)} is not one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  return level as LogLevel;
}
