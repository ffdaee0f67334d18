// Headless Chromium for tests that need a real browser (rendering the reports' Mermaid diagrams, and later the
// trace explorer). It uses the distribution's chromium (.ci/run installs Debian's package), driven by
// puppeteer-core, which never downloads a browser. Each launch gets a fresh profile directory, removed on close.
// A missing chromium makes such tests warn and skip locally, and fail under CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser binary: $CHROMIUM_PATH if set (and only it), else the first distribution path that exists and runs. */
export const chromiumPath: string | undefined = (process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : CANDIDATES).find(
  (p) => existsSync(p) && spawnSync(p, ['--version'], { timeout: 10_000 }).status === 0,
);

/** Call at the top of a test file that needs a browser: throws under CI, warns and lets the file skip elsewhere. */
export function requireChromium(why: string): boolean {
  if (chromiumPath) return true;
  if (process.env.CI) throw new Error(`chromium is not installed, but CI must ${why}`);
  console.warn(`\n*** SKIPPING: chromium is not installed (apt-get install chromium), so we cannot ${why} ***\n`);
  return false;
}

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface HeadlessBrowser {
  readonly browser: Browser;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Launches chromium with a fresh user-data-dir. */
export async function launchChromium(): Promise<HeadlessBrowser> {
  if (!chromiumPath) throw new Error('chromium is not installed (apt-get install chromium)');
  const profile = mkdtempSync(join(tmpdir(), 'distcheck-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    userDataDir: profile,
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
