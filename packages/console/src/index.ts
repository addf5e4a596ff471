import { fileURLToPath } from 'node:url';

/**
 * @burrow/console — the web console's static assets: a Preact single-page app (web/) that Vite
 * builds into dist/web/ at `pnpm build`. The control plane serves that folder under
 * CONSOLE_PATH (same origin as the API, which the pages call with the session cookie).
 *
 * The same path works from src/ (tests run the sources) and from dist/ (the built package).
 */
export const CONSOLE_PATH = '/console';
export const CONSOLE_ASSETS_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url));
