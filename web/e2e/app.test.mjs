// End-to-end tests: the real server on SQLite, Chromium, axe-core on every
// page visited. Run with `npm run e2e` (make test-web).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { startServer } from './server.mjs';
import { launch, newPage, checkA11y } from './browser.mjs';
import { apiClient, pngBytes } from './api.mjs';

const phone = { width: 390, height: 844 };
const desktop = { width: 1440, height: 900 };
const password = 'correct horse battery staple';

let server;
let browser;
let api;

before(async () => {
  server = await startServer();
  browser = await launch();
  api = apiClient(server.url);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = [];
async function open(size) {
  const page = await newPage(browser, { ...size, baseURL: server.url });
  pages.push(page);
  return page;
}

/** e2e is a test that keeps a screenshot of its pages when it fails. */
function e2e(name, body) {
  test(name, shot(name, body));
}

/** shot keeps a screenshot of every page of a failed test under test-results/. */
function shot(name, body) {
  return async () => {
    pages.length = 0;
    try {
      await body();
    } catch (e) {
      mkdirSync('test-results', { recursive: true });
      for (const [i, p] of pages.entries()) {
        await p.screenshot({ path: `test-results/${name.replace(/\W+/g, '-')}-${i}.png`, fullPage: true }).catch(() => {});
      }
      throw e;
    } finally {
      for (const p of pages) await p.context().close().catch(() => {});
    }
  };
}

function noProblems(page) {
  assert.deepEqual(page.problems, [], 'console errors or page errors (a CSP violation is one)');
}

async function signIn(page, email) {
  await page.goto('/login');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'What needs you now' }).waitFor();
}

/** signUp creates an organization and its owner through the API. */
async function signUp(org, email) {
  await api.call('POST', '/api/auth/signup', undefined, { organizationName: org, name: 'Olivia Owner', email, password });
  const link = await server.mailLink('verify_email', email, '/verify-email');
  await api.call('POST', '/api/auth/verify-email', undefined, { token: new URL(link).searchParams.get('token') });
  return api.login(email, password);
}

describe('web application', () => {
  e2e('sign up, confirm through the mailed link, sign in', async () => {
    const page = await open(desktop);
    await page.goto('/');
    await page.waitForURL(/\/login\?redirect=/);
    await checkA11y(page, 'sign in');
    await page.getByRole('link', { name: 'Create an organization' }).click();
    await page.getByLabel('Organization name').fill('Acme Fuel');
    await page.getByLabel('Your name').fill('Ann Example');
    await page.getByLabel('E-mail address').fill('ann@example.com');
    await page.getByLabel(/^Password/).fill(password);
    await checkA11y(page, 'sign up');
    await page.getByRole('button', { name: 'Create an organization' }).click();
    await page.getByText('We sent a confirmation link to ann@example.com').waitFor();

    // Before confirming, sign in says what to do.
    await page.goto('/login');
    await page.getByLabel('E-mail address').fill('ann@example.com');
    await page.getByLabel(/^Password/).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Confirm your e-mail address first.').waitFor();

    const link = await server.mailLink('verify_email', 'ann@example.com', '/verify-email');
    await page.goto(link.replace(/^https?:\/\/[^/]+/, ''));
    await page.getByText('Your e-mail address is confirmed').waitFor();
    await checkA11y(page, 'verify e-mail');
    // The same link again is used up, with a way forward.
    await page.reload();
    await page.getByText('This link is invalid, expired or already used.').waitFor();
    await page.getByRole('link', { name: 'Send the confirmation link again' }).waitFor();

    await signIn(page, 'ann@example.com');
    await checkA11y(page, 'home');
    // The session survives a reload: the refresh cookie renews it silently.
    await page.reload();
    await page.getByRole('heading', { name: 'What needs you now' }).waitFor();
    noProblems(page);
  });

  e2e('a deep link without a session goes to sign in and back', async () => {
    const page = await open(desktop);
    await signUp('Deep Link Co', 'deep@example.com');
    await page.goto('/actions?mine=true');
    await page.waitForURL(/\/login\?redirect=/);
    await page.getByLabel('E-mail address').fill('deep@example.com');
    await page.getByLabel(/^Password/).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/actions\?mine=true/);
    await page.getByRole('heading', { name: 'Corrective actions' }).waitFor();
    noProblems(page);
  });

  e2e('report an incident with a photo on a phone', async () => {
    const token = await signUp('Phone Fuel', 'phone@example.com');
    await api.call('POST', '/api/stations', token, { code: 'ST-1', name: 'Harbour Road', region: 'North', riskCategory: 'Medium', auditFrequency: 'Quarterly' });
    const page = await open(phone);
    await signIn(page, 'phone@example.com');
    await page.getByRole('link', { name: 'Report an incident' }).first().click();
    await page.getByRole('heading', { name: 'Report an incident' }).waitFor();
    await page.getByLabel('Station').selectOption({ label: 'ST-1 Harbour Road' });
    await page.getByLabel('Type').selectOption('Spill / Environmental');
    await page.getByLabel('Severity').selectOption('High');
    await page.getByLabel('Where exactly?').fill('Pump 4');
    await page.getByLabel('What happened?').fill('Diesel overflow while filling a van; about 5 litres on the forecourt.');
    await page.getByLabel('What was done straight away?').fill('Spill kit used, pump closed.');
    await page.getByTestId('photo-input').setInputFiles({ name: 'spill.png', mimeType: 'image/png', buffer: pngBytes });
    await page.getByText('1 photo(s) attached').waitFor();
    await checkA11y(page, 'report an incident (390 px)');
    // A double tap sends the same Idempotency-Key: one incident.
    const submit = page.getByRole('button', { name: 'Send the report' });
    await submit.dblclick();
    await page.waitForURL(/\/incidents\/[^/]+$/);
    await page.getByRole('heading', { name: /INC-\d{4}-\d+/ }).waitFor();
    await checkA11y(page, 'incident (390 px)');
    const list = await api.call('GET', '/api/incidents', token);
    assert.equal(list.items.length, 1, 'one incident after a double tap');
    assert.equal(list.items[0].attachmentIds.length, 1, 'the photo is attached');
    noProblems(page);
  });

  e2e('investigate, raise an action, complete, verify, close', async () => {
    const token = await signUp('Lifecycle Fuel', 'owner@example.com');
    const station = await api.call('POST', '/api/stations', token, { code: 'LC-1', name: 'Ring Road', region: 'South', riskCategory: 'High', auditFrequency: 'Monthly' });
    const inc = await api.call('POST', '/api/incidents', token, {
      stationId: station.id, type: 'Near Miss', severity: 'Medium', occurredAt: new Date(Date.now() - 3600_000).toISOString(), description: 'Tanker reversed without a banksman.',
    });
    // A compliance manager verifies what the owner completed.
    const roles = await api.call('GET', '/api/roles', token);
    const cm = roles.items.find((r) => r.name === 'Compliance Manager');
    await api.call('POST', '/api/invitations', token, { email: 'cm@example.com', roleId: cm.id });
    const invite = await server.mailLink('invitation', 'cm@example.com', '/accept-invitation');

    const owner = await open(desktop);
    await signIn(owner, 'owner@example.com');
    await owner.goto('/incidents');
    await owner.getByRole('link', { name: inc.number }).click();
    await owner.getByRole('button', { name: 'Start the investigation' }).click();
    await owner.getByText('Under investigation', { exact: true }).first().waitFor();
    await owner.getByRole('checkbox', { name: 'Process' }).check();
    await owner.getByRole('checkbox', { name: 'People' }).check();
    await owner.getByLabel('Why 1').fill('No banksman was available');
    await owner.getByLabel('Findings').fill('Delivery procedure not followed.');
    await owner.getByRole('button', { name: 'Save the investigation' }).click();
    await owner.getByText('Saved.').waitFor();
    await owner.getByLabel('What must be done?').fill('Brief drivers on the banksman rule');
    await owner.getByLabel('Assignee').selectOption({ label: 'Olivia Owner' });
    await owner.getByRole('button', { name: 'Raise an action' }).click();
    await owner.getByRole('link', { name: /CA-|ACT-|Brief drivers/ }).first().waitFor();
    await checkA11y(owner, 'incident under investigation');
    await owner.getByRole('button', { name: 'Mark action required' }).click();
    await owner.getByText('Action required', { exact: true }).first().waitFor();

    await owner.getByRole('link', { name: /Brief drivers/ }).click();
    await owner.getByRole('button', { name: 'Start' }).click();
    await owner.getByRole('button', { name: 'Mark complete' }).waitFor();
    await owner.getByLabel('Completion notes').fill('All drivers briefed on 1 December.');
    await owner.getByRole('button', { name: 'Mark complete' }).click();
    await owner.getByText('Completed', { exact: true }).first().waitFor();
    await checkA11y(owner, 'action');

    // Accepting the invitation through the mailed link.
    const cmPage = await open(phone);
    await cmPage.goto(invite.replace(/^https?:\/\/[^/]+/, ''));
    await cmPage.getByLabel(/Your name/).fill('Cora Compliance');
    await cmPage.getByLabel(/Password/).fill(password);
    await checkA11y(cmPage, 'accept invitation');
    await cmPage.getByRole('button', { name: 'Accept the invitation' }).click();
    await cmPage.getByText('You have joined the organization').waitFor();
    await signIn(cmPage, 'cm@example.com');
    await cmPage.goto('/actions?status=Completed');
    await cmPage.getByRole('link', { name: /Brief drivers/ }).click();
    await cmPage.getByRole('button', { name: 'Verify' }).click();
    await cmPage.getByText('Verified', { exact: true }).first().waitFor();

    await owner.goto(`/incidents/${inc.id}`);
    await owner.getByRole('button', { name: 'Close the incident' }).click();
    await owner.getByText('Closed', { exact: true }).first().waitFor();
    await owner.getByRole('button', { name: 'Reopen' }).waitFor();
    noProblems(owner);
    noProblems(cmPage);
  });

  e2e('a stale edit keeps what the user typed', async () => {
    const token = await signUp('Stale Fuel', 'stale@example.com');
    const station = await api.call('POST', '/api/stations', token, { code: 'SF-1', name: 'Canal Street', region: 'East', riskCategory: 'Low', auditFrequency: 'Annually' });
    const inc = await api.call('POST', '/api/incidents', token, {
      stationId: station.id, type: 'Fire', severity: 'Low', occurredAt: new Date(Date.now() - 3600_000).toISOString(), description: 'Bin fire.',
    });
    const investigating = await api.call('POST', `/api/incidents/${inc.id}/investigate`, token, { version: inc.version });
    const page = await open(desktop);
    await signIn(page, 'stale@example.com');
    await page.goto(`/incidents/${inc.id}`);
    await page.getByLabel('Findings').fill('My findings');
    // Someone else saves first.
    await api.call('PUT', `/api/incidents/${inc.id}/investigation`, token, { version: investigating.version, findings: 'Their findings' });
    await page.getByRole('button', { name: 'Save the investigation' }).click();
    await page.getByText('Someone else changed this record').waitFor();
    assert.equal(await page.getByLabel('Findings').inputValue(), 'My findings');
    await page.getByText('Findings: Their findings').waitFor();
  });

  e2e('CSV export downloads the current filter', async () => {
    await signUp('Csv Fuel', 'csv@example.com');
    const page = await open(desktop);
    await signIn(page, 'csv@example.com');
    await page.goto('/incidents?severity=High');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'incidents.csv');
    await checkA11y(page, 'incidents list');
    await page.getByRole('link', { name: 'Stations' }).click();
    await page.getByRole('heading', { name: 'Stations' }).waitFor();
    await page.getByText('No stations yet.').waitFor();
    await checkA11y(page, 'stations list');
    noProblems(page);
  });

  e2e('sign in and report with the keyboard alone', async () => {
    const token = await signUp('Keys Fuel', 'keys@example.com');
    await api.call('POST', '/api/stations', token, { code: 'KY-1', name: 'Quay Side', region: 'West', riskCategory: 'Low', auditFrequency: 'Annually' });
    const page = await open(desktop);
    await page.goto('/login');
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('autocomplete') ?? document.activeElement?.tagName);
    for (let i = 0; i < 5 && (await focused()) !== 'username'; i++) await page.keyboard.press('Tab');
    await page.keyboard.type('keys@example.com');
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'What needs you now' }).waitFor();
    // The skip link comes first and lands on the page.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.goto('/incidents/new');
    // The stations arrive after the form: choosing before they do picks nothing.
    await page.locator('option', { hasText: 'Quay Side' }).waitFor({ state: 'attached' });
    await page.getByLabel('Station').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    await page.getByLabel('What happened?').focus();
    await page.keyboard.type('Slippery floor by the kiosk.');
    await page.getByRole('button', { name: 'Send the report' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => /\/incidents\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith('/new'));
    await page.getByRole('heading', { name: /INC-\d{4}-\d+/ }).waitFor();
    noProblems(page);
  });

  e2e('sign out everywhere ends the session in other tabs', async () => {
    await signUp('Out Fuel', 'out@example.com');
    const a = await open(desktop);
    await signIn(a, 'out@example.com');
    await a.getByRole('button', { name: /Account menu/ }).click();
    await a.getByRole('menuitem', { name: 'Change password' }).click();
    await a.getByLabel(/^Current password/).fill(password);
    await a.getByLabel(/^New password/).fill('another long pass phrase');
    await checkA11y(a, 'change password');
    await a.getByRole('button', { name: 'Change password' }).click();
    await a.getByText('Your password is changed').waitFor();
    await a.getByRole('button', { name: /Account menu/ }).click();
    await a.getByRole('menuitem', { name: 'Sign out everywhere' }).click();
    await a.waitForURL(/\/login/);
    await a.goto('/incidents');
    await a.waitForURL(/\/login\?redirect=/);
    await a.getByLabel('E-mail address').fill('out@example.com');
    await a.getByLabel(/^Password/).fill('another long pass phrase');
    await a.getByRole('button', { name: 'Sign in' }).click();
    await a.waitForURL(/\/incidents/);
    noProblems(a);
  });
});
