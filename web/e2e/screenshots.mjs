// The main pages at 390 px and 1440 px, into docs/screenshots/ (make
// screenshots). A fresh server with demo records, so the pictures show
// what a user sees after a first incident.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startServer } from './server.mjs';
import { launch, newPage } from './browser.mjs';
import { apiClient } from './api.mjs';

const out = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const password = 'correct horse battery staple';
mkdirSync(out, { recursive: true });

const server = await startServer();
const browser = await launch();
const api = apiClient(server.url);
try {
  await api.call('POST', '/api/auth/signup', undefined, { organizationName: 'Acme Fuel', name: 'Ann Example', email: 'ann@example.com', password });
  const link = await server.mailLink('verify_email', 'ann@example.com', '/verify-email');
  await api.call('POST', '/api/auth/verify-email', undefined, { token: new URL(link).searchParams.get('token') });
  const token = await api.login('ann@example.com', password);
  const me = await api.call('GET', '/api/auth/me', token);
  const station = await api.call('POST', '/api/stations', token, { code: 'NR-01', name: 'North Road', region: 'North', riskCategory: 'High', auditFrequency: 'Monthly' });
  const occurred = (h) => new Date(Date.now() - h * 3600_000).toISOString();
  const inc = await api.call('POST', '/api/incidents', token, {
    stationId: station.id, type: 'Spill / Environmental', severity: 'High', occurredAt: occurred(5), location: 'Pump 4',
    description: 'Diesel overflow while filling a van; about 5 litres on the forecourt.', immediateActions: 'Spill kit used, pump closed.',
  });
  await api.call('POST', '/api/incidents', token, { stationId: station.id, type: 'Near Miss', severity: 'Medium', occurredAt: occurred(30), description: 'Tanker reversed without a banksman.' });
  const investigating = await api.call('POST', `/api/incidents/${inc.id}/investigate`, token, { version: inc.version });
  await api.call('PUT', `/api/incidents/${inc.id}/investigation`, token, {
    version: investigating.version, rootCauses: ['Equipment', 'Process'], whys: ['The nozzle did not cut off', 'The auto shut-off was worn'], findings: 'Nozzle maintenance overdue.',
  });
  await api.call('POST', `/api/incidents/${inc.id}/actions`, token, { title: 'Replace the nozzle on pump 4', assigneeId: me.user.id, priority: 'High' });

  const pages = [
    ['sign-in', '/login', false],
    ['home', '/', true],
    ['incidents', '/incidents', true],
    ['report-incident', '/incidents/new', true],
    ['incident', `/incidents/${inc.id}`, true],
    ['actions', '/actions', true],
  ];
  for (const [width, height] of [[390, 844], [1440, 900]]) {
    const page = await newPage(browser, { width, height, baseURL: server.url });
    for (const [name, path, signedIn] of pages) {
      if (signedIn && (await page.context().cookies()).every((c) => c.name !== 'hse_csrf')) {
        await page.goto('/login');
        await page.getByLabel('E-mail address').fill('ann@example.com');
        await page.getByLabel(/^Password/).fill(password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'What needs you now' }).waitFor();
      }
      await page.goto(path);
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(300);
      await page.screenshot({ path: resolve(out, `${name}-${width}.png`), fullPage: width > 600 ? false : true });
      console.log(`docs/screenshots/${name}-${width}.png`);
    }
    await page.context().close();
  }
} finally {
  await browser.close();
  await server.stop();
}
