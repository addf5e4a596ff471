/**
 * A setting that cannot be used. The message is one line naming the setting, printed by the CLI
 * before it exits with status 2.
 *
 * @example
 *   throw new ConfigError('--port / BURROW_PORT', 'must be a port number 0-65535, got "http"');
 */
export class ConfigError extends Error {
  readonly setting: string;

  constructor(setting: string, problem: string) {
    super(`invalid configuration: ${setting} ${problem}`);
    this.name = 'ConfigError';
    this.setting = setting;
  }
}
