import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PrerequisiteError } from '../../lib/errors';
import { which } from '../../stack/shell';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..');

/**
 * Debian's chromium, installed with apt-get when missing and we are root (as the stack installs
 * Prometheus); otherwise the test fails saying what to install. Never a downloaded browser build.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const aptGet = which('apt-get');
  if (process.getuid?.() !== 0 || !aptGet)
    throw new PrerequisiteError(
      `${CHROMIUM} is missing: install Debian's chromium (sudo apt-get install -y --no-install-recommends chromium)`,
    );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    execFileSync(aptGet, ['install', '-y', '--no-install-recommends', 'chromium'], { env, stdio: 'pipe' });
  try {
    install();
  } catch {
    // A fresh machine has no package lists yet.
    execFileSync(aptGet, ['update'], { env, stdio: 'pipe' });
    install();
  }
  if (!existsSync(CHROMIUM))
    throw new PrerequisiteError(`apt-get installed chromium but ${CHROMIUM} is missing`);
  return CHROMIUM;
}

/** Builds console/ into console/dist as `npm install` does, so the test runs the current sources. */
export function buildConsole(): void {
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'console/vite.config.ts'],
    {
      cwd: ROOT,
      stdio: 'pipe',
    },
  );
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of every page so far; a test fails on any. */
  errors: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Where the screenshots go: `npm run console:screenshots` sets docs/console (the README's
 * pictures); an ordinary test run writes them to a folder of its own, so `npm test` leaves the
 * working tree as it was.
 */
export const SCREENSHOTS = resolve(
  ROOT,
  process.env.CONSOLE_SCREENSHOT_DIR ?? join(tmpdir(), `orderstream-console-${process.pid}`),
);

/** Headless chromium with a fresh profile; every console error and page error is recorded. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'orderstream-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    errors,
    screenshot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
