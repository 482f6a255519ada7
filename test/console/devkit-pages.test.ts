/**
 * The console's pages for app developers, in real headless Chromium (Debian's `chromium`, driven
 * by playwright-core): Phones lists the handsets the server knows (texted from the API, not from
 * this browser) and new ones live; Messages filters, pages and updates live; a message's page shows
 * its status history, error, encoding, webhook exchanges and status callbacks; "Copy as a test"
 * gives the file Parley generates, copied and downloaded. Screenshots go to .artifacts/screenshots/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startParley, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { startSessionCounter, type RunningApp } from '../../examples/session-counter/server.js';
import { consolePage, launchChromium } from '../helpers/browser.js';

const SHOTS = resolve('.artifacts/screenshots');
const NUMBER = '+15005550006';
const [ALICE, BOB, CAROL, DAVE, ERIN] = ['+15550001111', '+15550002222', '+15550003333', '+15550004444', '+15550005555'];

describe('console pages for app developers', () => {
  let parley: RunningParley;
  let app: RunningApp;
  let callbacks: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let auth = '';

  const shot = async (p: Page, name: string): Promise<void> => {
    await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  };
  const api = async <T>(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<T> => {
    const res = await fetch(parley.url + path, { method, headers: { authorization: auth }, ...(form ? { body: new URLSearchParams(form) } : {}) });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return (res.headers.get('content-type') ?? '').includes('json') ? await res.json() as T : await res.text() as T;
  };
  /** A handset texts the number through the API (not the browser) and the turn finishes. */
  const text = async (from: string, body: string): Promise<string> => {
    const { sid } = await api<{ sid: string }>('POST', '/simulator/messages', { From: from, To: NUMBER, Body: body });
    await api('GET', `/simulator/messages/${sid}?Wait=10s`);
    return sid;
  };
  const messages = (): string => `/2010-04-01/Accounts/${parley.account.sid}/Messages.json`;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    parley = await startParley({
      port: 0, host: '127.0.0.1', db: ':memory:', sessionTtlMs: 4 * 3600_000, dev: true, logger: createLogger({ level: 'silent' }),
    });
    auth = `Basic ${Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64')}`;
    app = await startSessionCounter({ authToken: parley.account.authToken });
    callbacks = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((done) => callbacks.listen(0, '127.0.0.1', done));
    await api('POST', `/2010-04-01/Accounts/${parley.account.sid}/IncomingPhoneNumbers.json`, { PhoneNumber: NUMBER, FriendlyName: 'Session counter', SmsUrl: app.smsUrl });
    browser = await launchChromium();
    ({ context, page } = await consolePage(browser, parley.url, parley.account, { timezoneId: 'UTC', acceptDownloads: true }));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: parley.url });
  });

  after(async () => {
    await browser?.close();
    await parley?.stop();
    await app?.close();
    callbacks?.close();
  });

  test('Phones lists the handsets with a conversation, live, beside the ones added here', async () => {
    await text(ALICE, 'Hello from the CLI');
    await page.goto('/#/phones');
    await page.locator('.handsets li.seen', { hasText: ALICE }).waitFor();
    // New conversations join without a reload: one texted in, one texted by the app through the REST API.
    await text(BOB, 'Hi, Bob here');
    await page.locator('.handsets li.seen', { hasText: BOB }).waitFor();
    await api('POST', messages(), { From: NUMBER, To: CAROL, Body: 'Your table is ready' });
    await page.locator('.handsets li.seen', { hasText: CAROL }).waitFor();
    assert.equal(await page.locator('.handsets li.seen button.icon').count(), 0, 'only handsets added here can be removed');

    await page.getByLabel('Handset number').fill(DAVE);
    await page.getByLabel('Name').fill('Dave');
    await page.getByRole('button', { name: 'Add handset' }).click();
    await page.locator('.handsets li:not(.seen)', { hasText: 'Dave' }).waitFor();
    await page.locator('.handsets li.seen', { hasText: BOB }).getByRole('button').click();
    await page.locator('.bubble.mine', { hasText: 'Hi, Bob here' }).waitFor();
    await page.locator('.bubble.theirs', { hasText: 'new message' }).waitFor();
    await shot(page, 'phones-server-handsets');

    await page.reload();
    for (const handset of [ALICE, BOB, CAROL]) await page.locator('.handsets li.seen', { hasText: handset }).waitFor();
    await page.locator('.handsets li:not(.seen)', { hasText: 'Dave' }).waitFor();
  });

  test('Messages: every message, filtered, paged like Twilio, and live', async () => {
    await text(ALICE, 'Second one');
    await api('POST', '/simulator/clock', { Advance: '2d' });
    await api('POST', `/simulator/handsets/${encodeURIComponent(ERIN)}`, { Reachable: 'false' });
    const undelivered = parley.gateway.events.waitFor((e) => e.type === 'message' && e.message.status === 'undelivered', 10_000);
    await api('POST', messages(), { From: NUMBER, To: ERIN, Body: 'Are you there? ☎' });
    await undelivered;
    const total = (await api<{ messages: unknown[] }>('GET', '/simulator/messages?PageSize=1000')).messages.length;
    const rows = page.locator('table.log tbody tr');
    const rowCount = (n: number) => page.waitForFunction(`document.querySelectorAll('table.log tbody tr').length === ${n}`);

    await page.goto('/#/messages?PageSize=4');
    await page.locator('table.log tbody tr', { hasText: 'Are you there?' }).waitFor();
    assert.equal(await rows.count(), 4);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('.pager', { hasText: 'Page 2' }).waitFor();
    assert.equal(await rows.count(), Math.min(4, total - 4));
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.locator('.pager', { hasText: 'Page 1' }).waitFor();
    await page.locator('table.log tbody tr', { hasText: 'Are you there?' }).waitFor();

    await page.getByLabel('Per page').selectOption('50');
    await page.getByLabel('Direction').selectOption('inbound');
    await page.locator('table.log tbody tr').first().waitFor();
    await page.waitForFunction("[...document.querySelectorAll('table.log tbody tr .badge')].every((b) => b.textContent === 'inbound')");
    await page.getByLabel('Handset').fill(ALICE);
    await page.getByLabel('Handset').press('Tab');
    await rowCount(2);
    assert.match(page.url(), /Direction=inbound/);
    await page.getByLabel('Handset').fill('');
    await page.getByLabel('Handset').press('Tab');
    await page.getByLabel('Direction').selectOption('');

    await page.getByLabel('Status').selectOption('undelivered');
    await rowCount(1);
    const code = page.locator('table.log a.code', { hasText: '30003' });
    assert.equal(await code.getAttribute('href'), 'https://www.twilio.com/docs/errors/30003');
    await page.getByLabel('Status').selectOption('');

    // Only what was sent after the clock moved two days (the page is in UTC).
    const dayAgo = new Date(parley.clock.now() - 86_400_000).toISOString().slice(0, 19);
    await page.getByLabel('Sent from').fill(dayAgo);
    await rowCount(1);
    await page.locator('table.log tbody tr', { hasText: 'Are you there?' }).waitFor();
    await page.getByLabel('Sent from').fill('');

    // Live: a new message comes in on the first page without a reload.
    await page.locator('table.log tbody tr', { hasText: 'Hello from the CLI' }).waitFor();
    await text(BOB, 'Live, please');
    await page.locator('table.log tbody tr', { hasText: 'Live, please' }).waitFor();
    await page.locator('table.log tbody tr').first().filter({ hasText: 'thanks for the new message' }).waitFor(); // Bob's session expired
    await page.locator('h1').click(); // no focus ring in the picture
    await shot(page, 'messages');
  });

  test('a message page: status history with times, segments, encoding, the exchanges and callbacks it caused', async () => {
    await page.goto('/#/messages');
    await page.locator('table.log tbody tr', { hasText: 'Live, please' }).getByRole('link').click();
    await page.locator('h1', { hasText: /^Message SM/ }).waitFor();
    await page.locator('.exchange .badge', { hasText: 'sms' }).waitFor();
    await page.locator('#encoding', { hasText: 'GSM-7 · 12 septets · 1 segment' }).waitFor();
    await page.locator('.history li', { hasText: 'received' }).waitFor();
    await page.locator('.replies a', { hasText: 'new message' }).click();
    await page.locator('.history li').nth(2).waitFor();
    assert.deepEqual(await page.locator('.history .status').allInnerTexts(), ['queued', 'sent', 'delivered']);
    assert.match(await page.locator('.history time').first().innerText(), /\d{2}:\d{2}:\d{2}\.\d{3}$/);
    await page.getByRole('link', { name: 'its turn' }).waitFor();
    await shot(page, 'message');

    const undelivered = (await api<{ messages: Array<{ sid: string }> }>('GET', '/simulator/messages?Status=undelivered')).messages[0]!;
    await page.goto(`/#/message/${undelivered.sid}`);
    const link = page.locator('#message-error a', { hasText: "Twilio's page for 30003" });
    assert.equal(await link.getAttribute('href'), 'https://www.twilio.com/docs/errors/30003');
    await page.locator('#encoding', { hasText: 'UCS-2' }).waitFor();

    const callbackUrl = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/status`;
    const delivered = parley.gateway.events.waitFor((e) => e.type === 'exchange' && e.exchange.steps.includes('MessageStatus=delivered'), 10_000);
    const sent = await api<{ sid: string }>('POST', messages(), { From: NUMBER, To: ALICE, Body: 'Your code is 1234', StatusCallback: callbackUrl });
    await delivered;
    await page.goto(`/#/message/${sent.sid}`);
    await page.locator('table.callbacks tr', { hasText: 'MessageStatus=delivered' }).waitFor();
    await page.locator('table.callbacks .http', { hasText: '204' }).first().waitFor();
    await shot(page, 'message-callbacks');
  });

  test('Copy as a test gives the file Parley generates, for node:test and Vitest, copied or downloaded', async () => {
    await text(ALICE, 'Back after two days');
    const path = (runner: string): string => `/simulator/conversations/${encodeURIComponent(NUMBER)}/${encodeURIComponent(ALICE)}/test?Runner=${runner}`;
    await page.goto(`/#/conversations/${encodeURIComponent(NUMBER)}/${encodeURIComponent(ALICE)}`);
    await page.getByRole('button', { name: 'Copy as a test' }).click();
    const file = page.getByLabel('Generated test');
    await file.filter({ hasText: "from 'parley-sms/testing'" }).waitFor();
    assert.match(await file.innerText(), /await gateway\.clock\.advance\("2d[\dhms]*"\);/);
    assert.match(await file.innerText(), /assert\.deepEqual\(await say\("Back after two days"\), \["Hello, thanks for the new message\."\]\);/);
    await shot(page, 'copy-as-test');
    await page.setViewportSize({ width: 1200, height: 1150 }); // the whole file in the picture
    await page.locator('.copy-test').screenshot({ path: `${SHOTS}/copy-as-test-panel.png` });
    await page.setViewportSize({ width: 1200, height: 800 });

    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.locator('.copy-test .note', { hasText: 'Copied.' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), await api<string>('GET', path('node')));

    await page.getByRole('button', { name: 'Vitest' }).click();
    await file.filter({ hasText: "from 'vitest'" }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    assert.equal(download.suggestedFilename(), `conversation-${ALICE.slice(1)}.test.mjs`);
    assert.equal(readFileSync((await download.path())!, 'utf8'), await api<string>('GET', path('vitest')));
  });
});
