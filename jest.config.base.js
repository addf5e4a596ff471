// Shared jest configuration: every package runs its own jest (through turbo) with this.
// Tests run as native ESM (node --experimental-vm-modules) and TypeScript is stripped by SWC,
// so what is tested is the same ESM code the apps run. Type checking is `tsc --noEmit`.
import { fileURLToPath, URL } from 'node:url';

/** @type {import('jest').Config} */
const config = {
  testEnvironment: 'node',
  // Resolve workspace packages to their TypeScript sources ("source" export condition).
  testEnvironmentOptions: { customExportConditions: ['source', 'node', 'node-addons'] },
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2024' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // A hang detector, not a speed limit: on a loaded 2-core machine (load ~45 while other builds
  // ran) starting a relay with its stub control plane alone took over 60 s.
  testTimeout: 180_000,
  // Jest's transform cache lives in the repository (default: /tmp/jest_<uid>, left behind after
  // every run); node_modules/.cache is ignored by git and removed with node_modules.
  cacheDirectory: fileURLToPath(new URL('./node_modules/.cache/jest', import.meta.url)),
  // Interop tests start real processes; never leave a test run hanging on a stray handle.
  forceExit: false,
  detectOpenHandles: false,
};
export default config;
