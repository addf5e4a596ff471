/**
 * Bad configuration, as every Burrow process reports it: one line per bad setting that names the
 * flag and its environment variable, e.g. `--log-level (BURROW_LOG_LEVEL): "loud" is not one of …`.
 * A start-up with several bad settings lists them all at once ({@link ConfigProblems}), so a first
 * start with nothing set shows everything it needs.
 *
 * Messages name settings and quote values that are not secret; a secret's value (a token, a
 * header of INFISICAL_CUSTOM_HEADERS) never goes into one.
 *
 * @example
 *   const LOG_LEVEL = { flag: '--log-level', env: 'BURROW_LOG_LEVEL' };
 *   throw new ConfigError(LOG_LEVEL, '"loud" is not a log level');
 *   // message: --log-level (BURROW_LOG_LEVEL): "loud" is not a log level
 */

/** One setting as a person writes it: a flag (most have one) and its environment variable. */
export interface Setting {
  readonly flag?: string;
  readonly env: string;
}

/** `--domain (INFISICAL_API_URL)`, or just the variable for a setting without a flag. */
export function settingLabel(setting: Setting): string {
  return setting.flag === undefined ? setting.env : `${setting.flag} (${setting.env})`;
}

/** A bad setting. The message is one line naming the setting (or several lines, one per setting). */
export class ConfigError extends Error {
  /** The bad setting; undefined when the message already names it (or names several). */
  readonly setting: Setting | undefined;

  constructor(setting: Setting | undefined, problem: string) {
    super(setting === undefined ? problem : `${settingLabel(setting)}: ${problem}`);
    this.name = 'ConfigError';
    this.setting = setting;
  }
}

/**
 * Collects the {@link ConfigError}s of several settings so that all of them are reported at once.
 *
 * @example
 *   const problems = new ConfigProblems();
 *   const level = problems.check(() => parseLogLevel(LOG_LEVEL, flags.logLevel));
 *   problems.throwIfAny(); // one ConfigError, one line per bad setting
 */
export class ConfigProblems {
  private readonly errors: ConfigError[] = [];

  /** Runs `parse`; a ConfigError it throws is kept (and undefined returned), anything else rethrown. */
  check<T>(parse: () => T): T | undefined {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.errors.push(error);
      return undefined;
    }
  }

  /** Throws the one problem as it is, or several as one ConfigError of one line each. */
  throwIfAny(): void {
    if (this.errors.length === 1) throw this.errors[0] as ConfigError;
    if (this.errors.length > 1) {
      throw new ConfigError(undefined, this.errors.map((error) => error.message).join('\n'));
    }
  }
}

/** The value trimmed, or undefined when it is unset or blank (a blank setting counts as unset). */
export function nonEmpty(value: string | undefined): string | undefined {
  const text = value?.trim();
  return text === undefined || text === '' ? undefined : text;
}
