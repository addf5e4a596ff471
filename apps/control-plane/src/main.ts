#!/usr/bin/env node
import { ConfigError } from './config/config-error.ts';
import { controlPlaneProgram } from './cli/program.ts';

const VERSION = '0.1.0';

// better-sqlite3 crashes (SIGSEGV) on Node 20 instead of failing; say what is wrong instead.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 24) {
  process.stderr.write(
    `burrow-control-plane: needs Node 24 or newer, this is Node ${process.versions.node} (scripts/toolchain.sh installs it)\n`,
  );
  process.exit(2);
}

controlPlaneProgram(VERSION)
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`burrow-control-plane: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`burrow-control-plane: ${(error as Error).message ?? String(error)}\n`);
    process.exit(1);
  });
