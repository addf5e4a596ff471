/**
 * Quoting for systemd command lines (`ExecStart=`), per systemd.service(5) "Command lines":
 * arguments are split at whitespace unless double-quoted; inside quotes `\` and `"` are escaped
 * with a backslash; `%` starts a specifier (written `%%`) and `$` a variable expansion (written
 * `$$`), both also inside quotes.
 *
 * @example
 *   execCommandLine(['/usr/bin/node', '/opt/burrow app/main.js', 'start']);
 *   // '/usr/bin/node "/opt/burrow app/main.js" start'
 */
export function execCommandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('a command line needs at least the executable');
  const [executable] = argv;
  if (executable === undefined || !executable.startsWith('/')) {
    throw new Error(`the executable must be an absolute path, got "${executable}"`);
  }
  return argv.map(quoteExecArgument).join(' ');
}

/** Characters that can stand unquoted (after `%`/`$` doubling). */
const PLAIN = /^[A-Za-z0-9_@%+=:,./$-]+$/;

export function quoteExecArgument(argument: string): string {
  if (/[\n\r\0]/.test(argument)) throw new Error('a command-line argument cannot hold a newline');
  const escaped = argument.replaceAll('%', '%%').replaceAll('$', '$$$$');
  if (argument !== '' && PLAIN.test(escaped)) return escaped;
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
