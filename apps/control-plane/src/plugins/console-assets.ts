import fs from 'node:fs';
import path from 'node:path';
import { CONSOLE_ASSETS_DIR, CONSOLE_PATH } from '@burrow/console';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/**
 * The web console (@burrow/console's built assets) under /console/, same origin as the API it
 * calls with the session cookie. Every answer carries a Content-Security-Policy that allows
 * scripts, styles, fonts and API calls from this origin only (plus the terminal player's
 * WebAssembly), no framing and no plugins, so text a hostile target recorded can never run as
 * code even if a page put it in the wrong place.
 *
 *   GET /console/ (or /console) → index.html (never cached: it names the current asset files)
 *   GET /console/assets/* → hashed, immutable files
 * Not built (no index.html): /console/ answers 503 saying to run `pnpm build`.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const consoleAssetsPlugin: FastifyPluginAsync<{ assetsDir?: string }> = async (
  app,
  { assetsDir = CONSOLE_ASSETS_DIR },
) => {
  const securityHeaders = {
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
  if (!fs.existsSync(path.join(assetsDir, 'index.html'))) {
    app.get(`${CONSOLE_PATH}/*`, (_request, reply) => {
      void reply
        .code(503)
        .headers(securityHeaders)
        .type('text/plain; charset=utf-8')
        .send('The web console is not built: run pnpm build, then restart the control plane.\n');
    });
    return;
  }
  const indexHtml = fs.readFileSync(path.join(assetsDir, 'index.html'));
  app.get(CONSOLE_PATH, (_request, reply) => {
    void reply
      .headers({ ...securityHeaders, 'cache-control': 'no-cache' })
      .type('text/html; charset=utf-8')
      .send(indexHtml);
  });
  await app.register(fastifyStatic, {
    root: assetsDir,
    prefix: `${CONSOLE_PATH}/`,
    decorateReply: false,
    index: false,
    setHeaders: (res, file) => {
      for (const [name, value] of Object.entries(securityHeaders)) void res.header(name, value);
      void res.header(
        'cache-control',
        file.includes(`${path.sep}assets${path.sep}`)
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
      );
    },
  });
};
