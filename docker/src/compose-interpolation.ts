/**
 * Compose variable interpolation, as `docker compose` applies it to every string value:
 * `$$` is a literal `$`; `${VAR}` and `$VAR`; `${VAR:-default}` / `${VAR-default}` (default when
 * unset or empty / unset); `${VAR:?message}` / `${VAR?message}` (error when unset or empty / unset).
 * Also the `KEY=value` lines of a compose `.env` file.
 */
export type Variables = Readonly<Record<string, string | undefined>>;

/** `$$`, `${NAME[:][-?]operand}` (no nested braces in the operand) or `$NAME`. */
const REFERENCE =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * @example
 *   interpolate('${NAME:-relay-1}', {}); // 'relay-1'
 */
export function interpolate(text: string, variables: Variables): string {
  return text.replace(
    REFERENCE,
    (
      match,
      braced?: string,
      colon?: string,
      operator?: string,
      operand?: string,
      bare?: string,
    ) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = variables[name];
      const missing = colon === ':' ? value === undefined || value === '' : value === undefined;
      if (operator === '-')
        return missing ? interpolate(operand ?? '', variables) : (value as string);
      if (operator === '?' && missing) {
        throw new Error(`required variable ${name} is missing: ${operand ?? ''}`.trim());
      }
      return value ?? '';
    },
  );
}

/** Applies {@link interpolate} to every string inside a parsed YAML document (not to keys). */
export function interpolateDeep<T>(value: T, variables: Variables): T {
  if (typeof value === 'string') return interpolate(value, variables) as T;
  if (Array.isArray(value))
    return value.map((item: unknown) => interpolateDeep(item, variables)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, variables)]),
    ) as T;
  }
  return value;
}

/** The `KEY=value` lines of a compose `.env` file (comments and blank lines skipped). */
export function parseDotEnv(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals <= 0) continue;
    let value = line.slice(equals + 1).trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    result[line.slice(0, equals).trim()] = value;
  }
  return result;
}
