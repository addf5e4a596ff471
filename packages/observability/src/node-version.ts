/**
 * The first thing every Burrow program does: check that it runs on Node 24 or newer
 * (`scripts/toolchain.sh` installs it). On an older Node the programs do not start with a useful
 * message: undici throws while it is being imported, better-sqlite3 crashes. So each entry point
 * imports only this module statically (it imports nothing itself), calls
 * `exitUnlessSupportedNode`, and loads the program with a dynamic `import()` after it.
 */

export const MINIMUM_NODE_MAJOR = 24;

/** Exit code of a program started on a Node it cannot run on (bad configuration). */
export const EXIT_UNSUPPORTED_NODE = 2;

export interface NodeVersionCheckOptions {
  readonly version?: string;
  readonly write?: (line: string) => void;
  readonly exit?: (code: number) => never;
}

/** Prints one line naming the program, this Node and the fix, and exits 2, on Node < 24. */
export function exitUnlessSupportedNode(
  program: string,
  options: NodeVersionCheckOptions = {},
): void {
  const version = options.version ?? process.versions.node;
  const major = Number(version.split('.')[0]);
  if (major >= MINIMUM_NODE_MAJOR) return;
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  write(
    `${program}: needs Node ${MINIMUM_NODE_MAJOR} or newer, this is Node ${version} ` +
      `(. scripts/toolchain.sh puts Node ${MINIMUM_NODE_MAJOR} on PATH; ./scripts/install-cli.sh makes commands that use it)\n`,
  );
  exit(EXIT_UNSUPPORTED_NODE);
}
