/**
 * The console with an SMPP channel, in real headless Chromium: a long message sent on the carrier
 * shows its parts with the SMSC's message ids and their receipts on its message page, and the
 * Status page shows the carrier's link as bound. Screenshots go to .artifacts/screenshots.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { consolePage, launchChromium } from '../helpers/browser.js';
import { SmscDouble } from '../helpers/smsc-double.js';
import { channelState, startSmppParley, type SmppParley } from '../channels/smpp/fixtures.js';

const SHOTS = resolve('.artifacts/screenshots');

/** An SMSC double, a Parley bound to it, and the console open in Chromium; `close` ends all three. */
interface CarrierConsole {
  double: SmscDouble;
  parley: SmppParley;
  page: Page;
  close(): Promise<void>;
}

async function openCarrierConsole(smsc: Parameters<typeof SmscDouble.start>[0], options: Parameters<typeof startSmppParley>[2] = {}): Promise<CarrierConsole> {
  mkdirSync(SHOTS, { recursive: true });
  const double = await SmscDouble.start(smsc);
  // What is open so far, closed in the reverse order (also when opening fails half way).
  const opened: Array<() => Promise<unknown>> = [() => double.close()];
  const close = async (): Promise<void> => {
    for (const closeOne of [...opened].reverse()) await closeOne();
  };
  try {
    const parley = await startSmppParley(double, {}, options);
    opened.push(() => parley.stop());
    await channelState(parley, 'bound');
    const browser = await launchChromium();
    opened.push(() => browser.close());
    const { page } = await consolePage(browser, parley.url, parley.account, { timezoneId: 'UTC' });
    return { double, parley, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

describe('console pages with a carrier channel', () => {
  let double: SmscDouble;
  let parley: SmppParley;
  let page: Page;
  let opened: CarrierConsole | undefined;

  before(async () => {
    opened = await openCarrierConsole({ autoReceipt: 'tlv' });
    ({ double, parley, page } = opened);
  });

  after(() => opened?.close());

  test("a message's page shows the parts the SMSC accepted, with their ids and receipts", async () => {
    const body = 'Your order has shipped. '.repeat(9).trim(); // 215 GSM-7 characters: 2 parts
    const { sid, num_segments } = await parley.create(body);
    assert.equal(num_segments, '2');
    await parley.status(sid, ['delivered']);
    const ids = double.submits.map((s) => s.messageId);
    assert.equal(ids.length, 2);

    await page.goto(`/#/message/${sid}`);
    const card = page.locator('#carrier-parts');
    await card.getByRole('heading', { name: 'Sent on carrier-a in 2 parts' }).waitFor();
    const rows = card.locator('tbody tr');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    for (const [i, id] of ids.entries()) {
      const row = rows.nth(i);
      assert.equal(await row.locator('td').first().textContent(), `${i + 1} of 2`);
      assert.equal(await row.locator('code').textContent(), id);
      await row.locator('.status.delivered').waitFor();
    }
    await page.screenshot({ path: `${SHOTS}/message-carrier-parts.png`, fullPage: true });
  });

  test('a simulator message has no carrier parts card', async () => {
    await parley.createNumber('+15005550006', 'http://127.0.0.1:9/none');
    const res = await parley.api<{ sid: string }>('POST', `/2010-04-01/Accounts/${parley.account.sid}/Messages.json`, {
      From: '+15005550006', To: '+15551230002', Body: 'on the simulator',
    });
    await parley.status(res.body.sid, ['delivered']);
    const partsAnswered = page.waitForResponse((r) => r.url().endsWith(`/parley/messages/${res.body.sid}/parts`));
    await page.goto(`/#/message/${res.body.sid}`);
    assert.deepEqual(((await (await partsAnswered).json()) as { parts: unknown[] }).parts, []);
    await page.locator('.message-body', { hasText: 'on the simulator' }).waitFor();
    await page.locator('#current-status', { hasText: 'delivered' }).waitFor();
    assert.equal(await page.locator('#carrier-parts').count(), 0);
  });

  test('the Status page shows the carrier link bound, beside the simulator', async () => {
    await page.goto('/#/status');
    const row = page.locator('tr', { hasText: 'carrier-a' });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /bound/);
    await page.locator('tr', { hasText: 'simulator' }).waitFor();
  });
});

describe('console pages with --carriers-only', () => {
  let page: Page;
  let opened: CarrierConsole | undefined;

  before(async () => {
    opened = await openCarrierConsole({}, { carriersOnly: true });
    ({ page } = opened);
  });

  after(() => opened?.close());

  test('the Phones page says there are no simulated handsets, and why, instead of a composer', async () => {
    await page.goto('/#/phones');
    const notice = page.locator('#no-simulator');
    await notice.waitFor();
    assert.equal((await notice.textContent())?.replace(/\s+/g, ' ').trim(),
      'Parley runs with --carriers-only: no handset is simulated, and messages come from the carriers (carrier-a). Real conversations are on the Messages and Conversations pages.');
    assert.equal(await page.getByRole('button', { name: 'Add handset' }).count(), 0);
    await page.screenshot({ path: `${SHOTS}/phones-carriers-only.png`, fullPage: true });
  });

  test('the Status page lists the carrier alone', async () => {
    await page.goto('/#/status');
    await page.locator('tr', { hasText: 'carrier-a' }).waitFor();
    assert.equal(await page.locator('table.channels tbody tr').count(), 1);
  });
});
