/**
 * Debian's Chromium, driven by playwright-core, for the console's tests: launched with the flags a
 * test machine needs (root: no sandbox; no background traffic or updates), and a context signed in
 * to a Parley with its account's credentials.
 */
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(extraFlags: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...extraFlags] });
}

/** A new context on `baseURL` with the account's HTTP Basic credentials, and its first page. */
export async function consolePage(
  browser: Browser, baseURL: string, account: { sid: string; authToken: string }, options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL, viewport: { width: 1200, height: 800 }, httpCredentials: { username: account.sid, password: account.authToken }, ...options,
  });
  context.setDefaultTimeout(20_000);
  return { context, page: await context.newPage() };
}
