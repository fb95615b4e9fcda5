/** Headless Debian chromium through playwright-core, for the page tests. */
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when they can. */
export function browserSkipReason(webDir: string): string | null {
  if (!existsSync(CHROMIUM)) return `no chromium at ${CHROMIUM} (Debian package chromium; scripts/setup.sh installs it)`;
  if (!existsSync(path.join(webDir, 'index.html'))) return `page not built in ${webDir}: run node scripts/build-web.mjs`;
  return null;
}

export interface Launched {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches chromium headless with a fresh profile (removed on close). */
export async function launchChromium(): Promise<Launched> {
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'mobilenet-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    viewport: { width: 1000, height: 800 },
  });
  return {
    browser: context.browser()!, context,
    async close() {
      await context.close();
      await fs.rm(profile, { recursive: true, force: true });
    },
  };
}
