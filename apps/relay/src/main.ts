#!/usr/bin/env node
/**
 * `burrow-relay` entry point. See relay-cli.ts for the commands and README.md for the settings.
 */
import { packageVersion } from './package-version.ts';
import { runRelayCli } from './relay-cli.ts';

await runRelayCli(process.argv, packageVersion());
