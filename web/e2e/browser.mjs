// Chromium from the system (Debian's package), driven by playwright-core.
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * newPage opens a page that records what must never happen: console
 * errors (a Content-Security-Policy violation is one) and failed requests
 * to the app's own assets.
 */
export async function newPage(browser, { width, height, baseURL }) {
  const context = await browser.newContext({ viewport: { width, height }, baseURL, acceptDownloads: true, hasTouch: width < 600 });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) page.problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  return page;
}

/** checkA11y fails on serious or critical axe-core violations. */
export async function checkA11y(page, label) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const text = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`).join('\n  ');
    throw new Error(`axe-core on ${label}:\n  ${text}`);
  }
}
