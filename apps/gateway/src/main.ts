#!/usr/bin/env node
/**
 * `burrow-gateway` entry point: the Node version first (node-version.ts says why), then run-cli.ts.
 */
import { exitUnlessSupportedNode } from '@burrow/observability/node-version';

exitUnlessSupportedNode('burrow-gateway');
await import('./run-cli.ts');
