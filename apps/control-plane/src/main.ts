#!/usr/bin/env node
/**
 * `burrow-control-plane` entry point. The Node version is checked before anything else is
 * loaded: on Node 20 better-sqlite3 crashes (SIGSEGV) and undici fails while being imported,
 * so a static import would fail before any check could say what is wrong.
 */
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 24) {
  process.stderr.write(
    `burrow-control-plane: needs Node 24 or newer, this is Node ${process.versions.node} (scripts/toolchain.sh installs it)\n`,
  );
  process.exit(2);
}

const VERSION = '0.1.0';
const { ConfigError } = await import('./config/config-error.ts');
const { controlPlaneProgram, withVersionAlias } = await import('./cli/program.ts');

controlPlaneProgram(VERSION)
  .parseAsync(withVersionAlias(process.argv))
  .catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`burrow-control-plane: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`burrow-control-plane: ${(error as Error).message ?? String(error)}\n`);
    process.exit(1);
  });
