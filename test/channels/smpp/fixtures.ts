/**
 * Shared pieces of the SMPP channel tests: a channel configuration read through the real schema
 * (so defaults and validation are the file's), an in-process Parley carrying +15550001111 over
 * SMPP to an SMSC double, and waits on Parley's committed events.
 */
import { readChannels, type ChannelConfig } from '../../../src/config/channels.js';
import type { MessageRecord, MessageStatus } from '../../../src/stores/records.js';
import { startTestParley, type TestParley } from '../../helpers/parley.js';
import type { ParleyOptions } from '../../../src/runtime/parley.js';
import { SmscDouble, type SmscOptions } from '../../helpers/smsc-double.js';
import type { ChannelStatus } from '../../../src/channels/channel.js';
import { SmppChannel } from '../../../src/channels/smpp/channel.js';
import { writeFileSync } from 'node:fs';
import type { Locator } from 'playwright-core';
import { consolePage, launchChromium } from '../../helpers/browser.js';

export const PARLEY_NUMBER = '+15550001111';
export const HANDSET = '+15551230001';

/** Fast timers for tests; `extra` holds config-file keys (`window`, `throughput`, ...). */
export function smppConfig(port: number, extra: Record<string, unknown> = {}): ChannelConfig {
  const entry = {
    name: 'carrier-a', type: 'smpp', host: '127.0.0.1', port, 'system-id': 'parley', password: 'secret', numbers: [PARLEY_NUMBER],
    'reconnect-delay': '50ms', 'reconnect-delay-max': '200ms', 'retry-delay': '50ms', 'retry-delay-max': '200ms', 'response-timeout': '2s',
    ...extra,
  };
  return readChannels([entry], { file: 'test', path: 'channels' })[0]!;
}

/** A `parley serve --config` file with one SMPP channel, carrier-a, carrying `number` to the SMSC at `port`. */
export function writeSmppConfigFile(path: string, port: number, number: string, topLevel: readonly string[] = []): void {
  writeFileSync(path, [
    ...topLevel,
    'channels:',
    '  - name: carrier-a',
    '    type: smpp',
    '    host: 127.0.0.1',
    `    port: ${port}`,
    '    system-id: parley',
    '    password: secret',
    `    numbers: ["${number}"]`,
    '    reconnect-delay: 100ms',
    '',
  ].join('\n'));
}

export interface SmppParley extends TestParley {
  /** Resolves with the message once it has one of `statuses` (committed). */
  status(sid: string, statuses: readonly MessageStatus[], timeoutMs?: number): Promise<MessageRecord>;
  /** Creates an outbound message through the REST API. */
  create(body: string, extra?: Record<string, string>): Promise<{ sid: string; status: string; num_segments: string }>;
}

export async function startSmppParley(double: Pick<SmscDouble, 'port'>, extra: Record<string, unknown> = {}, options: Partial<ParleyOptions> = {}, smsUrl = 'http://127.0.0.1:9/none'): Promise<SmppParley> {
  const parley = await startTestParley({ channels: [smppConfig(double.port, extra)], ...options });
  await parley.createNumber(PARLEY_NUMBER, smsUrl);
  return withWaits(parley);
}

/** Runs `body` against a new SMSC double and a Parley whose channel to it has `extra`'s keys, then stops both. */
export async function withSmppParley(extra: Record<string, unknown>, body: (parley: SmppParley, double: SmscDouble) => Promise<void>, doubleOptions: SmscOptions = {}): Promise<void> {
  const double = await SmscDouble.start(doubleOptions);
  try {
    const parley = await startSmppParley(double, extra);
    try {
      await body(parley, double);
    } finally {
      await parley.stop();
    }
  } finally {
    await double.close();
  }
}

export function withWaits(parley: TestParley): SmppParley {
  return Object.assign(parley, {
    status(sid: string, statuses: readonly MessageStatus[], timeoutMs = 15_000): Promise<MessageRecord> {
      return new Promise<MessageRecord>((resolve, reject) => {
        // Listen first, then read the store, so a change between the two is not missed.
        const done = (message: MessageRecord): void => {
          off();
          clearTimeout(timer);
          resolve(message);
        };
        const off = parley.gateway.events.subscribe((e) => {
          if (e.type === 'message' && e.message.sid === sid && statuses.includes(e.message.status)) done(e.message);
        });
        const timer = setTimeout(() => {
          off();
          void parley.store.messages.get(parley.account.sid, sid).then((m) => reject(new Error(`${sid} is ${m?.status ?? 'missing'}, not ${statuses.join('/')}`)));
        }, timeoutMs);
        void parley.store.messages.get(parley.account.sid, sid).then((m) => { if (m && statuses.includes(m.status)) done(m); });
      });
    },
    async create(body: string, extra: Record<string, string> = {}) {
      const res = await parley.api<{ sid: string; status: string; num_segments: string }>('POST', `/2010-04-01/Accounts/${parley.account.sid}/Messages.json`, {
        From: PARLEY_NUMBER, To: HANDSET, Body: body, ...extra,
      });
      if (res.status !== 201) throw new Error(`message not created: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
  });
}

/**
 * Opens the console's Status page in Chromium (closed by a step pushed onto `cleanup`) and resolves
 * with carrier-a's row once it shows the channel bound.
 */
export async function boundCarrierRow(parley: TestParley, cleanup: Array<() => Promise<void>>): Promise<Locator> {
  const browser = await launchChromium();
  cleanup.push(() => browser.close());
  const { page } = await consolePage(browser, parley.url, parley.account);
  await page.goto('/#/status');
  const row = page.locator('table.channels tr', { hasText: 'carrier-a' });
  await row.locator('.state.bound').waitFor();
  return row;
}

/** The SMPP channel of an in-process Parley. */
export function carrierOf(parley: TestParley, name = 'carrier-a'): SmppChannel {
  const channel = parley.gateway.channels.all.find((c) => c.name === name);
  if (!(channel instanceof SmppChannel)) throw new Error(`no SMPP channel ${name}`);
  return channel;
}

/** Resolves with the channel's status once it is in `state` (now or at a later change). */
export function channelState(parley: TestParley, state: ChannelStatus['state'], timeoutMs = 15_000): Promise<ChannelStatus> {
  const channel = carrierOf(parley);
  return new Promise((resolve, reject) => {
    const check = (status: ChannelStatus): void => {
      if (status.state !== state) return;
      channel.events.off('state', check);
      clearTimeout(timer);
      resolve(status);
    };
    const timer = setTimeout(() => {
      channel.events.off('state', check);
      reject(new Error(`the channel did not become ${state} (it is ${channel.status().state}: ${channel.status().reason ?? ''})`));
    }, timeoutMs);
    channel.events.on('state', check);
    check(channel.status());
  });
}

/**
 * Records the messages whose accepted parts the gateway reads from the store (the send queue's
 * read before a first submit, which a first hand-over skips) until `restore`.
 */
export function watchPartReads(parley: TestParley): { read: string[]; restore(): void } {
  const read: string[] = [];
  const parts = parley.store.carrierParts;
  const ofMessage = parts.ofMessage.bind(parts);
  parts.ofMessage = (sid) => {
    read.push(sid);
    return ofMessage(sid);
  };
  return { read, restore: () => { parts.ofMessage = ofMessage; } };
}
