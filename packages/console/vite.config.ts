import { defineConfig } from 'vite';

/**
 * The console's build: web/ → dist/web/, served by the control plane under /console/. The
 * `source` condition lets @burrow/session-recorder's browser-safe entry be bundled from its
 * TypeScript sources. No source maps or inline scripts: the control plane's Content-Security-Policy
 * allows scripts from its own origin only.
 */
export default defineConfig({
  root: 'web',
  base: '/console/',
  resolve: { conditions: ['source'] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
});
