/**
 * The environment file a unit loads with `EnvironmentFile=` (systemd.exec(5)): one `KEY=value` per
 * line. Values are double-quoted when they hold anything but plain characters, with `\` and `"`
 * escaped; systemd removes the quotes and escapes when it reads the file. Newlines are refused (one
 * setting, one line). The file holds the service's secrets, so it is written with mode 0600 and
 * the unit file only names it.
 */

/** Environment variable names as the shell and systemd accept them. */
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_VALUE = /^[A-Za-z0-9_@%+=:,./-]*$/;

/**
 * @example
 *   renderEnvFile({ INFISICAL_RELAY_NAME: 'edge-1', INFISICAL_TOKEN: 'secret token' });
 *   // 'INFISICAL_RELAY_NAME=edge-1\nINFISICAL_TOKEN="secret token"\n'
 */
export function renderEnvFile(
  variables: Readonly<Record<string, string | undefined>>,
  header?: string,
): string {
  const lines: string[] = [];
  if (header !== undefined)
    for (const line of header.split('\n')) lines.push(`# ${line}`.trimEnd());
  for (const [key, value] of Object.entries(variables)) {
    if (value === undefined) continue;
    if (!KEY.test(key)) throw new Error(`"${key}" is not an environment variable name`);
    if (/[\n\r\0]/.test(value)) throw new Error(`${key}: a value cannot hold a newline`);
    lines.push(`${key}=${quoteEnvValue(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function quoteEnvValue(value: string): string {
  if (PLAIN_VALUE.test(value)) return value;
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * Reads back what {@link renderEnvFile} writes (comments, blank lines, plain and double-quoted
 * values). Not a full systemd parser: it exists so tests and tools can check a written file.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`not KEY=value: "${line}"`);
    const key = line.slice(0, equals).trim();
    let value = line.slice(equals + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    result[key] = value;
  }
  return result;
}
