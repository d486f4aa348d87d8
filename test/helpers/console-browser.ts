/**
 * Debian's Chromium, headless, driven by playwright-core (which never downloads a browser
 * of its own), with what the console tests check on every screen: no Content-Security-
 * Policy violation or page error, axe-core's accessibility rules, and a screenshot under
 * test-results/console/ for a reviewer.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'test-results', 'console');

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

export interface ConsoleBrowser {
  browser: Browser;
  /** A new tab (its own sessionStorage) whose console errors and CSP reports are collected. */
  open(baseUrl: string): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

export async function launchConsoleBrowser(): Promise<ConsoleBrowser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container: Chromium's sandbox needs user namespaces it may not have.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  return {
    browser,
    async open(baseUrl) {
      const context = await browser.newContext({
        baseURL: baseUrl,
        viewport: { width: 1366, height: 800 },
      });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (
          m.type() === 'error' &&
          !/Failed to load resource: the server responded with a status of (401|403|404)/.test(
            m.text(),
          )
        )
          problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      return { page, problems };
    },
    close: () => browser.close(),
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's WCAG 2 A and AA rules on the page as it is now; the violations found. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated over the DevTools protocol: the page's CSP (no inline scripts) stays on.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axeSource);
  const result = (await page.evaluate(
    "axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })",
  )) as { violations: unknown[] };
  return (result.violations as AxeViolation[]).map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target })),
  }));
}

export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
