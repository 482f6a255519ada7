/**
 * The console's status page in real Chromium (Debian's, through playwright-core): the simulator
 * channel bound, a turn backlog in the queue chart while an app holds its answers, messages per
 * second and turn latency charted from the sampled metrics, and errors by code with Twilio's
 * titles, all agreeing with /metrics. The page is saved as .artifacts/screenshots/status.png
 * (docs/status.png is a copy).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startParley, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { startSessionCounter, type RunningApp } from '../../examples/session-counter/server.js';
import { startScriptedApp, twiml, type RunningApp as ScriptedApp } from '../reliability/apps.js';
import { parseExposition, valueOf } from '../helpers/prometheus.js';
import { consolePage, launchChromium } from '../helpers/browser.js';

const SHOTS = resolve('.artifacts/screenshots');
const NUMBER = '+15005550941';
const BROKEN = '+15005550942';
const HELD = '+15005550943';

let parley: RunningParley;
let counter: RunningApp;
let scripted: ScriptedApp;
let browser: Browser;
let page: Page;
let auth: string;
const held: Array<() => void> = [];
const arrivals: Array<() => void> = [];
/** Resolves once the held app has a request waiting. */
const heldRequest = (): Promise<void> => (held.length > 0 ? Promise.resolve() : new Promise((resolve) => arrivals.push(resolve)));

async function post(path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(`${parley.url}${path}`, { method: 'POST', headers: { authorization: auth }, body: new URLSearchParams(form) });
  assert.ok(res.status < 300, `${path}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  parley = await startParley({
    port: 0, host: '127.0.0.1', db: ':memory:', sessionTtlMs: 4 * 3_600_000, dev: false, logger: createLogger({ level: 'silent' }), statusSampleMs: 250,
  });
  auth = `Basic ${Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64')}`;
  counter = await startSessionCounter({ authToken: parley.account.authToken });
  scripted = await startScriptedApp({
    '/broken': (_req, res) => res.writeHead(500).end('oops'),
    '/held': (_req, res) => {
      held.push(() => res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml('at last')));
      for (const wake of arrivals.splice(0)) wake();
    },
  });
  const numbers = `/2010-04-01/Accounts/${parley.account.sid}/IncomingPhoneNumbers.json`;
  await post(numbers, { PhoneNumber: NUMBER, SmsUrl: counter.smsUrl, FriendlyName: 'Session counter' });
  await post(numbers, { PhoneNumber: BROKEN, SmsUrl: `${scripted.url}/broken` });
  await post(numbers, { PhoneNumber: HELD, SmsUrl: `${scripted.url}/held` });
  browser = await launchChromium();
  ({ page } = await consolePage(browser, parley.url, parley.account, { viewport: { width: 1200, height: 900 } }));
});

after(async () => {
  for (const release of held.splice(0)) release();
  await browser?.close();
  await parley?.stop();
  await counter?.close();
  await scripted?.close();
});

test('channels, queues, rates, latency and errors by code, live from the sampled metrics', { timeout: 90_000 }, async () => {
  // Traffic over a couple of seconds, so the charts have a shape: 60 turns on 6 conversations,
  // 3 that the app answers 500 (11200), and 4 messages held on one conversation (a backlog).
  for (let i = 0; i < 4; i++) await post('/simulator/messages', { From: '+15558940009', To: HELD, Body: `held ${i}` });
  for (let round = 0; round < 10; round++) {
    await Promise.all(Array.from({ length: 6 }, (_, h) => post('/simulator/messages', { From: `+155589400${String(h).padStart(2, '0')}`, To: NUMBER, Body: `m${round}` })));
    if (round % 4 === 0) await post('/simulator/messages', { From: '+15558940010', To: BROKEN, Body: 'boom' });
    await new Promise((r) => setTimeout(r, 200)); // pacing the load over several samples, not waiting for a result
  }

  await page.goto('/#/status');
  await page.locator('nav a[aria-current="page"]', { hasText: 'Status' }).waitFor();
  const simulator = page.locator('table.channels tr', { hasText: 'simulator' });
  await simulator.locator('.state.bound').waitFor();
  await page.locator('figure.chart', { hasText: 'Queue: turns' }).locator('strong', { hasText: /^4$/ }).waitFor();
  const rate = page.locator('figure.chart', { hasText: 'Messages per second' });
  await rate.locator('polyline.line.s0').waitFor();
  assert.ok(Number(await rate.locator('polyline.line.s0').getAttribute('data-points')) >= 4, 'several samples charted');
  await page.locator('figure.chart', { hasText: 'Turn latency' }).locator('svg[aria-label*="Turn latency"]').waitFor();
  const errors = page.locator('table.errors-by-code tr', { hasText: '11200' });
  await errors.locator('td', { hasText: 'HTTP retrieval failure' }).waitFor();
  await errors.locator('td', { hasText: /^3$/ }).waitFor();
  await page.screenshot({ path: `${SHOTS}/status.png`, fullPage: true });
  // A gateway alone (SQLite) has no cluster: no list of nodes, and the page is the whole gateway's.
  assert.equal(await page.locator('table.nodes').count(), 0);
  const view = (await (await fetch(`${parley.url}/parley/status`, { headers: { authorization: auth } })).json()) as { cluster: unknown };
  assert.equal(view.cluster, null);

  // The same numbers as /metrics.
  const metrics = parseExposition(await (await fetch(`${parley.url}/metrics`, { headers: { authorization: auth } })).text());
  assert.equal(valueOf(metrics, 'parley_errors_total', { code: '11200' }), 3);
  assert.equal(valueOf(metrics, 'parley_queue_depth', { queue: 'turns' }), 4);
  const totals = await page.locator('p.note').textContent();
  assert.match(totals ?? '', new RegExp(`Since start: ${valueOf(metrics, 'parley_messages_received_total', { channel: 'simulator' })} received`));

  // The backlog drains, and the page follows.
  for (let i = 0; i < 4; i++) {
    await heldRequest();
    held.shift()!();
  }
  await page.locator('figure.chart', { hasText: 'Queue: turns' }).locator('strong', { hasText: /^0$/ }).waitFor();
});

test('the status view belongs to the default account: a subaccount is refused', async () => {
  const sub = await post('/2010-04-01/Accounts.json', { FriendlyName: 'sub' });
  const res = await fetch(`${parley.url}/parley/status`, { headers: { authorization: `Basic ${Buffer.from(`${String(sub.sid)}:${String(sub.auth_token)}`).toString('base64')}` } });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { code: number }).code, 20006);
});
