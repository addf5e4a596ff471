#!/usr/bin/env node
/**
 * `burrow-control-plane` entry point. The Node version is checked before anything else is
 * loaded (@burrow/observability node-version.ts): on Node 20 better-sqlite3 crashes (SIGSEGV) and
 * undici fails while being imported, so a static import would fail before any check could say
 * what is wrong.
 */
import { exitUnlessSupportedNode } from '@burrow/observability/node-version';

exitUnlessSupportedNode('burrow-control-plane');

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
