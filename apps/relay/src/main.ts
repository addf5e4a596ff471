#!/usr/bin/env node
/**
 * `burrow-relay` entry point. See relay-cli.ts for the commands and README.md for the settings.
 */
import { readFileSync } from 'node:fs';
import { runRelayCli } from './relay-cli.ts';

// src/main.ts and dist/main.js both sit one level below package.json.
const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

await runRelayCli(process.argv, version);
