/**
 * The console in real headless Chromium (Debian's `chromium`, driven by playwright-core): texting
 * the session-counter app from a simulated handset, the conversation inspector, clock and cookie
 * expiry, a broken webhook in the timeline and the error log, a short code, and two tabs on one handset.
 * Each page is saved under .artifacts/screenshots/ for review.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startParley, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { startSessionCounter, type RunningApp } from '../../examples/session-counter/server.js';
import { freePort } from '../helpers/gateway-process.js';
import { consolePage, launchChromium } from '../helpers/browser.js';

const SHOTS = resolve('.artifacts/screenshots');
const HANDSET = '+15550001111';
const NUMBER = '+15005550006';
const BROKEN = '+15005550007';


describe('console in a browser', () => {
  let parley: RunningParley;
  let app: RunningApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const shot = async (p: Page, name: string): Promise<void> => {
    await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  };
  const theirs = (p: Page, text: string) => p.locator('.bubble.theirs', { hasText: text });
  const send = async (p: Page, text: string): Promise<void> => {
    await p.getByRole('textbox', { name: 'Message' }).fill(text);
    await p.getByRole('textbox', { name: 'Message' }).press('Enter');
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    parley = await startParley({
      port: 0, host: '127.0.0.1', db: ':memory:', sessionTtlMs: 4 * 3600_000, dev: true, logger: createLogger({ level: 'silent' }),
    });
    app = await startSessionCounter({ authToken: parley.account.authToken });
    const auth = `Basic ${Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64')}`;
    const res = await fetch(`${parley.url}/2010-04-01/Accounts/${parley.account.sid}/IncomingPhoneNumbers.json`, {
      method: 'POST', headers: { authorization: auth },
      body: new URLSearchParams({ PhoneNumber: NUMBER, FriendlyName: 'Session counter', SmsUrl: app.smsUrl }),
    });
    assert.equal(res.status, 201);
    browser = await launchChromium();
    ({ context, page } = await consolePage(browser, parley.url, parley.account));
  });

  after(async () => {
    await browser?.close();
    await parley?.stop();
    await app?.close();
  });

  test('a handset texts the example app three times and sees the session count', async () => {
    await page.goto('/#/phones');
    await page.getByLabel('Handset number').fill(HANDSET);
    await page.getByLabel('Name').fill('Alice');
    await page.getByRole('button', { name: 'Add handset' }).click();
    await page.locator('.handsets li.current', { hasText: 'Alice' }).waitFor();
    await send(page, 'Hi');
    await theirs(page, 'new message').waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('Hello again, ça va? 👋');
    await page.locator('.counter', { hasText: 'UCS-2' }).waitFor();
    await send(page, 'Hello again');
    await theirs(page, 'number 2').waitFor();
    await send(page, 'And once more');
    await theirs(page, 'number 3').waitFor();
    await page.locator('.bubble.mine .tick.received').first().waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('Typing: GSM-7 counts septets');
    await page.locator('.counter', { hasText: 'GSM-7' }).waitFor();
    await shot(page, 'phones');
    await page.setViewportSize({ width: 390, height: 800 });
    await shot(page, 'phones-narrow');
    await page.setViewportSize({ width: 1200, height: 800 });
  });

  test('the conversation shows Set-Cookie, Cookie and the jar', async () => {
    await page.goto('/#/conversations');
    await page.getByRole('link', { name: NUMBER }).click();
    await page.locator('.set-cookie', { hasText: 'connect.sid=' }).first().waitFor();
    await page.locator('.cookie-header', { hasText: 'connect.sid=' }).first().waitFor();
    await page.locator('.turn').nth(2).waitFor();
    assert.equal(await page.locator('.turn').count(), 3);
    await page.locator('.card table.jar td', { hasText: 'connect.sid' }).first().waitFor();
    await page.locator('.exchange pre.body', { hasText: '<Message>' }).first().waitFor();
    await shot(page, 'conversation');
    await page.goto('/#/conversations');
    await page.locator('table tbody tr').first().waitFor();
    await shot(page, 'conversations');
  });

  test('advancing the clock past the TTL starts the session again', async () => {
    await page.goto(`/#/conversations/${encodeURIComponent(NUMBER)}/${encodeURIComponent(HANDSET)}`);
    await page.locator('.expiry', { hasText: /^[34] h/ }).waitFor();
    await page.getByRole('button', { name: 'Advance clock' }).click();
    await page.locator('.expiry', { hasText: 'expired' }).waitFor();
    await page.goto('/#/phones');
    await theirs(page, 'number 3').waitFor();
    await send(page, 'Back after lunch');
    await theirs(page, 'new message').nth(1).waitFor();
  });

  test('a broken webhook shows 11205 in the timeline and the error log', async () => {
    const port = await freePort() /* nothing listens there */;
    await page.goto('/#/numbers');
    await page.getByLabel('Phone number').fill(BROKEN);
    await page.getByLabel('Friendly name').fill('Broken app');
    await page.getByLabel('SMS webhook URL').fill(`http://127.0.0.1:${port}/sms`);
    await page.getByRole('button', { name: 'Create number' }).click();
    await page.locator('.number', { hasText: 'Broken app' }).waitFor();
    await shot(page, 'numbers');

    await page.goto('/#/phones');
    await page.getByLabel('Parley number').selectOption(BROKEN);
    await send(page, 'Anyone there?');
    await page.locator('.bubble.mine', { hasText: 'Anyone there?' }).waitFor();
    await page.goto(`/#/conversations/${encodeURIComponent(BROKEN)}/${encodeURIComponent(HANDSET)}`);
    await page.locator('.turn .problem a.code', { hasText: '11205' }).first().waitFor();
    await shot(page, 'conversation-error');

    await page.goto('/#/errors');
    const code = page.locator('table.alerts a.code', { hasText: '11205' }).first();
    await code.waitFor();
    assert.equal(await code.getAttribute('href'), 'https://www.twilio.com/docs/errors/11205');
    await shot(page, 'errors');
    await page.getByRole('link', { name: 'View turn' }).first().click();
    await page.locator('.turn .problem', { hasText: '11205' }).first().waitFor();
  });

  test('a short code made on the numbers page is marked as one, and a handset texts it from the phones page', async () => {
    await page.goto('/#/numbers');
    await page.getByLabel('Phone number').fill('894546');
    await page.getByLabel("Short code's country").fill('GB');
    await page.getByLabel('Friendly name').fill('Rewards');
    await page.getByLabel('SMS webhook URL').fill(app.smsUrl);
    await page.getByRole('button', { name: 'Create number' }).click();
    const card = page.locator('.number', { hasText: 'Rewards' });
    await card.locator('dd', { hasText: 'short code' }).waitFor();
    assert.equal(await page.locator('.number', { hasText: 'Session counter' }).locator('dd', { hasText: 'short code' }).count(), 0);
    assert.equal((await parley.store.numbers.findByPhoneNumber('894546'))?.isoCountry, 'GB');

    await page.goto('/#/phones');
    await page.getByLabel('Parley number').selectOption('894546');
    await send(page, 'JOIN');
    await theirs(page, 'new message').last().waitFor();
    await page.goto('/#/numbers');
    page.once('dialog', (dialog) => void dialog.accept());
    await card.getByRole('button', { name: 'Delete' }).click();
    await card.waitFor({ state: 'detached' });
  });

  test('two tabs on the same handset both update', async () => {
    const other = await context.newPage();
    try {
      for (const p of [page, other]) {
        await p.goto('/#/phones');
        await p.getByLabel('Parley number').selectOption(NUMBER);
        await theirs(p, 'new message').nth(1).waitFor();
      }
      await send(page, 'Two tabs');
      await theirs(page, 'number 2').nth(1).waitFor();
      await theirs(other, 'number 2').nth(1).waitFor();
      await other.locator('.bubble.mine', { hasText: 'Two tabs' }).waitFor();
    } finally {
      await other.close();
    }
  });

  test('media is shown inline', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const files = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    await new Promise<void>((done) => files.listen(0, '127.0.0.1', done));
    try {
      await page.goto('/#/phones');
      await page.getByLabel('Parley number').selectOption(NUMBER);
      await page.getByLabel('Media URL').fill(`http://127.0.0.1:${(files.address() as AddressInfo).port}/cat.png`);
      await send(page, 'A picture');
      const bubble = page.locator('.bubble.mine', { hasText: 'A picture' });
      await bubble.waitFor();
      // After a reload the thread comes from the server: the media message (an MM… SID) stays last.
      await page.reload();
      await bubble.waitFor();
      assert.match(await page.locator('.bubble.mine').last().innerText(), /A picture/);
      const thread = await (await page.request.get(`/simulator/handsets/${encodeURIComponent(HANDSET)}/messages`)).json() as
        { messages: Array<{ body: string; subresource_uris: { media: string } }> };
      const sent = thread.messages.find((m) => m.body === 'A picture');
      assert.ok(sent);
      assert.ok((await page.request.get(sent.subresource_uris.media)).ok(), 'the Media list route answers');
      await bubble.locator('img').waitFor();
      await page.waitForFunction("[...document.querySelectorAll('.bubble img')].some((i) => i.naturalWidth > 0)");
    } finally {
      files.closeAllConnections();
      await new Promise<void>((done) => files.close(() => done()));
    }
  });

  test('the account page masks, reveals the token and shows library snippets', async () => {
    await page.goto('/#/account');
    await page.locator('#account-sid', { hasText: parley.account.sid }).waitFor();
    assert.ok(!(await page.locator('#auth-token').innerText()).includes(parley.account.authToken));
    await page.locator('pre', { hasText: 'client.api.baseUrl' }).waitFor();
    await shot(page, 'account');
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.locator('#auth-token', { hasText: parley.account.authToken }).waitFor();
  });

  test('dark mode', async () => {
    const dark = await browser.newContext({
      baseURL: parley.url, viewport: { width: 1200, height: 800 }, colorScheme: 'dark',
      httpCredentials: { username: parley.account.sid, password: parley.account.authToken },
    });
    dark.setDefaultTimeout(20_000);
    try {
      const p = await dark.newPage();
      await p.goto(`/#/conversations/${encodeURIComponent(NUMBER)}/${encodeURIComponent(HANDSET)}`);
      await p.locator('.turn').first().waitFor();
      const bg = await p.evaluate('getComputedStyle(document.documentElement).backgroundColor');
      assert.equal(bg, 'rgb(20, 23, 27)');
      await shot(p, 'conversation-dark');
    } finally {
      await dark.close();
    }
  });
});
