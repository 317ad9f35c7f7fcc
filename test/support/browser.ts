import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (browser downloads do not work here). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

/** Says loudly that a browser suite is skipped; under CI=true the suite must fail instead (its beforeAll calls requireChromium). */
export function warnIfNoChromium(suite: string): void {
  if (!haveChromium && process.env.CI !== 'true') console.warn(`\n*** SKIPPED: ${suite} — ${CHROMIUM} is missing (apt-get install -y chromium). ***\n`);
}

export function requireChromium(): void {
  if (!haveChromium) throw new Error(`CI=true but ${CHROMIUM} is missing; install Debian's chromium`);
}

/** Headless, and without the background networking this machine's closed network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Collects console errors/warnings and page errors, which a test asserts are none. */
export function collectProblems(page: Page, problems: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
}
