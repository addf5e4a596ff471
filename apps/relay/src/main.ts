#!/usr/bin/env node
/**
 * `burrow-relay` entry point: the Node version first (@burrow/observability node-version.ts says
 * why), then the CLI. See relay-cli.ts for the commands and README.md for the settings.
 */
import { exitUnlessSupportedNode } from '@burrow/observability/node-version';

exitUnlessSupportedNode('burrow-relay');
const { packageVersion } = await import('./package-version.ts');
const { runRelayCli } = await import('./relay-cli.ts');
await runRelayCli(process.argv, packageVersion());
