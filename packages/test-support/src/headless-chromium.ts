import type { Browser } from 'playwright-core';

/** Debian's Chromium; BURROW_CHROMIUM names another binary. */
export const CHROMIUM_PATH = process.env.BURROW_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags that keep the browser off the network: no proxy discovery, no component updates, sync or
 * safe-browsing calls, and every host name but loopback unresolvable. No sandbox: tests run as
 * root in CI containers, where Chromium's sandbox cannot start.
 */
const OFF_THE_NETWORK = [
  '--no-sandbox',
  '--no-proxy-server',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

export interface HeadlessChromium {
  browser: Browser;
  /** Closes the browser and ends its process by PID (also when closing failed). */
  stop(): Promise<void>;
}

/**
 * Debian's Chromium, headless and off the network, driven by playwright-core (loaded only here,
 * so that test-support's other users do not pay for it).
 *
 * @example
 *   const chromium = await startHeadlessChromium();
 *   try { const page = await chromium.browser.newPage(); … } finally { await chromium.stop(); }
 */
export async function startHeadlessChromium(): Promise<HeadlessChromium> {
  const { chromium } = await import('playwright-core');
  const server = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: OFF_THE_NETWORK,
  });
  const pid = server.process().pid;
  const browser = await chromium.connect(server.wsEndpoint()).catch(async (error: unknown) => {
    killBrowser(pid);
    throw error;
  });
  return {
    browser,
    stop: async () => {
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      killBrowser(pid);
    },
  };
}

function killBrowser(pid: number | undefined): void {
  try {
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
