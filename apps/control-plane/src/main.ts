#!/usr/bin/env node
import { ConfigError } from './config/config-error.ts';
import { controlPlaneProgram } from './cli/program.ts';

const VERSION = '0.1.0';

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
