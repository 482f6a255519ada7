/**
 * The Store contract (src/stores/store.ts) as tests, for every adapter: an adapter's test file
 * calls `describeStoreContract` with a way to open a fresh store (and, for one that persists, to
 * open it again). Everything goes through the Store interface only, so the PostgreSQL adapter runs
 * the same checks as the SQLite one.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { MessageFilter, Page, Store } from '../../../src/stores/store.js';
import type { MessageRecord } from '../../../src/stores/records.js';
import {
  ACCOUNT, HANDSET, NUMBER, OTHER_ACCOUNT, OTHER_HANDSET, alertAbout, callbackFor, conversationOf, exchangeFor, inbound, later,
  outbound, outcomeOf, phoneNumber, replyTo,
} from './fixtures.js';
import { describeCarrierContract } from './carrier-contract.js';
import { describeThreadContract } from './thread-contract.js';

export interface StoreAdapter {
  name: string;
  /** A new, empty store. */
  open(): Promise<Store>;
  /** For an adapter that persists: the same store again after `close()`. */
  reopen?(): Promise<Store>;
  /** Removes what `open` created (after the store is closed). */
  cleanup?(): Promise<void>;
}

const bodies = (messages: MessageRecord[]): string[] => messages.map((m) => m.body);

async function insertAll(store: Store, messages: MessageRecord[]): Promise<void> {
  for (const m of messages) await store.messages.insert(m);
}

export function describeStoreContract(adapter: StoreAdapter): void {
  describe(`Store contract: ${adapter.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await adapter.open();
    });
    afterEach(async () => {
      await store.close();
      await adapter.cleanup?.();
    });

    test('accounts: the first created is the default; updates and subaccounts read back', async () => {
      const at = later();
      await store.accounts.insert({ sid: ACCOUNT, authToken: 't1', friendlyName: 'main', status: 'active', ownerAccountSid: null, dateCreated: at, dateUpdated: at });
      await store.accounts.insert({ sid: OTHER_ACCOUNT, authToken: 't2', friendlyName: 'sub', status: 'active', ownerAccountSid: ACCOUNT, dateCreated: at + 1, dateUpdated: at + 1 });
      assert.equal((await store.accounts.getDefault())?.sid, ACCOUNT);
      const sub = (await store.accounts.get(OTHER_ACCOUNT))!;
      await store.accounts.update({ ...sub, friendlyName: 'renamed', status: 'suspended' });
      assert.deepEqual(await store.accounts.listOwnedBy(ACCOUNT), [{ ...sub, friendlyName: 'renamed', status: 'suspended' }]);
      assert.equal(await store.accounts.get('AC' + '0'.repeat(32)), null);
    });

    test('numbers: unique across the gateway, read and changed only by their own account', async () => {
      const mine = phoneNumber(NUMBER);
      const theirs = phoneNumber('+15005550007', OTHER_ACCOUNT);
      await store.numbers.insert(mine);
      await store.numbers.insert(theirs);
      await assert.rejects(store.numbers.insert({ ...phoneNumber(NUMBER, OTHER_ACCOUNT) }), 'the same phone number twice');
      assert.equal((await store.numbers.findByPhoneNumber('+15005550007'))?.accountSid, OTHER_ACCOUNT);
      assert.equal(await store.numbers.get(ACCOUNT, theirs.sid), null);
      assert.equal(await store.numbers.delete(ACCOUNT, theirs.sid), false);
      await store.numbers.update({ ...mine, smsUrl: 'http://127.0.0.1:9/new' });
      assert.equal((await store.numbers.findByPhoneNumber(NUMBER))?.smsUrl, 'http://127.0.0.1:9/new', 'no stale cached copy');
      assert.deepEqual((await store.numbers.list(ACCOUNT, {}, { pageSize: 10 })).map((n) => n.sid), [mine.sid]);
      assert.deepEqual(await store.numbers.list(ACCOUNT, { phoneNumber: '+15005550007' }, { pageSize: 10 }), []);
      assert.equal(await store.numbers.delete(ACCOUNT, mine.sid), true);
      assert.equal(await store.numbers.findByPhoneNumber(NUMBER), null);
    });

    test('numbers: short codes share the addresses, and a list keeps one type', async () => {
      const number = phoneNumber(NUMBER);
      const shortCode = phoneNumber('12345', ACCOUNT, '12345', 'SC');
      await store.numbers.insert(number);
      await store.numbers.insert(shortCode);
      await assert.rejects(store.numbers.insert(phoneNumber('12345', OTHER_ACCOUNT, '12345', 'SC')), 'the same short code twice');
      assert.equal((await store.numbers.findByPhoneNumber('12345'))?.sid, shortCode.sid);
      assert.deepEqual((await store.numbers.list(ACCOUNT, {}, { pageSize: 10 })).map((n) => n.sid).sort(), [number.sid, shortCode.sid].sort());
      assert.deepEqual((await store.numbers.list(ACCOUNT, { type: 'PN' }, { pageSize: 10 })).map((n) => n.sid), [number.sid]);
      assert.deepEqual((await store.numbers.list(ACCOUNT, { type: 'SC' }, { pageSize: 10 })).map((n) => n.sid), [shortCode.sid]);
      assert.deepEqual(await store.numbers.list(ACCOUNT, { type: 'SC' }, { pageSize: 10, afterSid: shortCode.sid }), []);
    });

    test('messages: listed newest first, paged both ways, filtered, and never across accounts', async () => {
      const sent = [inbound('a'), outbound('b'), inbound('c', { from: OTHER_HANDSET }), outbound('d', { to: OTHER_HANDSET }), inbound('e')];
      await insertAll(store, sent);
      await store.messages.insert(inbound('not mine', { accountSid: OTHER_ACCOUNT }));
      assert.deepEqual(bodies(await store.messages.list(ACCOUNT, {}, { pageSize: 10 })), ['e', 'd', 'c', 'b', 'a']);
      const first = await store.messages.list(ACCOUNT, {}, { pageSize: 2 });
      const second = await store.messages.list(ACCOUNT, {}, { pageSize: 2, afterSid: first[1]!.sid });
      assert.deepEqual([bodies(first), bodies(second)], [['e', 'd'], ['c', 'b']]);
      assert.deepEqual(bodies(await store.messages.list(ACCOUNT, {}, { pageSize: 2, beforeSid: second[0]!.sid })), ['e', 'd']);
      assert.deepEqual(bodies(await store.messages.list(ACCOUNT, { to: HANDSET }, { pageSize: 10 })), ['b']);
      assert.deepEqual(bodies(await store.messages.list(ACCOUNT, { from: HANDSET }, { pageSize: 10 })), ['e', 'a']);
      const since = sent[2]!.dateCreated;
      assert.deepEqual(bodies(await store.messages.list(ACCOUNT, { sentAfter: since, sentBefore: sent[4]!.dateCreated }, { pageSize: 10 })), ['d', 'c']);
      assert.equal(await store.messages.get(OTHER_ACCOUNT, sent[0]!.sid), null);
      assert.equal(await store.messages.delete(OTHER_ACCOUNT, sent[0]!.sid), false);
      assert.equal(await store.messages.delete(ACCOUNT, sent[0]!.sid), true);
      assert.equal(await store.messages.get(ACCOUNT, sent[0]!.sid), null);
    });

    test('messages: every field of a message and of a reply reads back as it was written', async () => {
      const at = later();
      const full: MessageRecord = {
        ...outbound('every field', {
          messagingServiceSid: 'MG00000000000000000000000000000001', statusCallback: 'http://127.0.0.1:9/status', dateSent: at + 1,
          validUntil: at + 2, media: [{ url: 'https://example.com/a.png' }, { url: 'https://example.com/b', contentType: 'image/gif' }],
        }),
        numSegments: 3, errorCode: 30003, errorMessage: 'Unreachable destination handset', statusCallbackMethod: 'GET',
      };
      await store.messages.insert(full);
      assert.deepEqual(await store.messages.get(ACCOUNT, full.sid), full);

      const asked = inbound('asks');
      await store.messages.insert(asked, { startTurn: true });
      const reply = { ...replyTo(asked, 1, 'answers'), statusCallback: 'http://127.0.0.1:9/reply-status' };
      await store.turns.complete(outcomeOf(asked, { replies: [reply] }));
      assert.deepEqual(await store.messages.get(ACCOUNT, asked.sid), asked);
      assert.deepEqual(await store.messages.repliesOf(ACCOUNT, asked.sid), [reply]);
    });

    test("messages: the console's log filters by number, handset, direction and status, and pages with them", async () => {
      const a = inbound('a');
      const made = [a, outbound('b'), inbound('c', { from: OTHER_HANDSET }), outbound('d', { to: OTHER_HANDSET }), replyTo(a, 0, 'e'),
        outbound('f', { from: '+15005550007' })];
      await insertAll(store, made);
      await store.messages.insert(inbound('not mine', { accountSid: OTHER_ACCOUNT }));
      await store.messages.setStatus(made[5]!.sid, 'delivered', { at: later() });
      const log = async (filter: MessageFilter, page: Page = { pageSize: 10 }): Promise<string[]> => bodies(await store.messages.list(ACCOUNT, filter, page));
      assert.deepEqual(await log({ number: NUMBER }), ['e', 'd', 'c', 'b', 'a'], 'to or from the number');
      assert.deepEqual(await log({ handset: HANDSET }), ['f', 'e', 'b', 'a'], 'to or from the handset');
      assert.deepEqual(await log({ number: NUMBER, handset: HANDSET }), ['e', 'b', 'a'], 'one conversation');
      assert.deepEqual(await log({ direction: 'inbound' }), ['c', 'a']);
      assert.deepEqual(await log({ direction: 'outbound' }), ['f', 'e', 'd', 'b'], 'every outbound direction');
      assert.deepEqual(await log({ direction: 'outbound-reply' }), ['e']);
      assert.deepEqual(await log({ status: 'delivered' }), ['f'], 'the current status');
      assert.deepEqual(await log({ status: 'queued', handset: HANDSET, direction: 'outbound' }), ['e', 'b']);
      assert.deepEqual(await log({ number: NUMBER, sentAfter: made[2]!.dateCreated, sentBefore: made[4]!.dateCreated }), ['d', 'c']);
      const first = await store.messages.list(ACCOUNT, { handset: HANDSET }, { pageSize: 2 });
      assert.deepEqual(bodies(first), ['f', 'e']);
      assert.deepEqual(await log({ handset: HANDSET }, { pageSize: 2, afterSid: first[1]!.sid }), ['b', 'a']);
      assert.deepEqual(await log({ handset: HANDSET }, { pageSize: 2, beforeSid: made[1]!.sid }), ['f', 'e']);
      assert.deepEqual(bodies(await store.messages.list(OTHER_ACCOUNT, { number: NUMBER }, { pageSize: 10 })), ['not mine']);
    });

    test('messages: the status history, the stored status first, then each change with its time', async () => {
      const m = outbound('hi');
      await store.messages.insert(m);
      assert.deepEqual(await store.messages.statusHistory(ACCOUNT, m.sid), [{ status: 'queued', at: m.dateCreated }]);
      const [sent, delivered] = [later(), later()];
      await store.messages.setStatus(m.sid, 'sent', { dateSent: sent, at: sent });
      await store.messages.setStatus(m.sid, 'delivered', { at: delivered });
      await store.messages.setStatus(m.sid, 'delivered', { at: later() }); // no change of status: nothing added
      assert.deepEqual(await store.messages.statusHistory(ACCOUNT, m.sid),
        [{ status: 'queued', at: m.dateCreated }, { status: 'sent', at: sent }, { status: 'delivered', at: delivered }]);
      assert.equal(await store.messages.statusHistory(OTHER_ACCOUNT, m.sid), null);
      assert.equal(await store.messages.statusHistory(ACCOUNT, 'SM' + '0'.repeat(32)), null);

      const scheduled = outbound('later', { status: 'scheduled' });
      await store.messages.insert(scheduled, { sendAt: later() + 60_000 });
      const canceled = later();
      await store.messages.update({ ...scheduled, status: 'canceled', dateUpdated: canceled });
      await store.messages.update({ ...scheduled, status: 'canceled', body: '', dateUpdated: later() }); // redacted: same status
      assert.deepEqual(await store.messages.statusHistory(ACCOUNT, scheduled.sid),
        [{ status: 'scheduled', at: scheduled.dateCreated }, { status: 'canceled', at: canceled }]);

      const question = inbound('?');
      const reply = replyTo(question, 0, 'answer');
      await store.messages.insert(question, { startTurn: true });
      await store.turns.complete(outcomeOf(question, { replies: [reply] }));
      const failed = later();
      await store.messages.setStatus(reply.sid, 'failed', { errorCode: 30008, errorMessage: 'Unknown error', at: failed });
      assert.deepEqual(await store.messages.statusHistory(ACCOUNT, question.sid), [{ status: 'received', at: question.dateCreated }]);
      assert.deepEqual(await store.messages.statusHistory(ACCOUNT, reply.sid), [{ status: 'queued', at: reply.dateCreated }, { status: 'failed', at: failed }]);
    });

    test("messages: a handset's thread, both directions, oldest first, the latest `limit`", async () => {
      await insertAll(store, [inbound('1'), outbound('2'), inbound('other handset', { from: OTHER_HANDSET }),
        outbound('from another number', { from: '+15005550007' }), inbound('3')]);
      assert.deepEqual(bodies(await store.messages.thread(ACCOUNT, HANDSET, { limit: 10 })), ['1', '2', 'from another number', '3']);
      assert.deepEqual(bodies(await store.messages.thread(ACCOUNT, HANDSET, { number: NUMBER, limit: 2 })), ['2', '3']);
      assert.deepEqual(await store.messages.thread(OTHER_ACCOUNT, HANDSET, { limit: 10 }), []);
    });

    test('messages: a status change and its callback commit together; scheduled ones fall due in time order', async () => {
      const m = outbound('hi', { statusCallback: 'http://127.0.0.1:9/status' });
      await store.messages.insert(m);
      await store.messages.setStatus(m.sid, 'failed', { errorCode: 30036, errorMessage: 'Validity Period Expired', at: later() }, callbackFor(m, 'failed'));
      const stored = (await store.messages.get(ACCOUNT, m.sid))!;
      assert.deepEqual([stored.status, stored.errorCode, stored.errorMessage], ['failed', 30036, 'Validity Period Expired']);
      assert.deepEqual((await store.callbacks.heads(10)).map((h) => [h.messageSid, h.params[0]![1]]), [[m.sid, 'failed']]);

      const now = later();
      const [late, soon, notYet] = [outbound('late', { status: 'scheduled' }), outbound('soon', { status: 'scheduled' }), outbound('not yet', { status: 'scheduled' })];
      await store.messages.insert(late, { sendAt: now - 10 });
      await store.messages.insert(soon, { sendAt: now - 20 });
      await store.messages.insert(notYet, { sendAt: now + 60_000 });
      assert.deepEqual(bodies(await store.messages.due(now, 10)), ['soon', 'late']);
    });

    test('messages: the undelivered come page by page in arrival order (resumed after a restart)', async () => {
      // Inserted in this order; their SIDs are created in another, so arrival order is not SID order.
      const made = [outbound('m1', { status: 'delivered' }), inbound('m2'), outbound('m3'), outbound('m7', { status: 'sending' }),
        outbound('m8', { status: 'accepted' }), outbound('m9')];
      await insertAll(store, [made[5]!, made[0]!, made[4]!, made[1]!, made[3]!, made[2]!]);
      if (adapter.reopen) {
        // After a real restart: on a shared store a live node's own deliveries are never handed out.
        await store.close();
        store = await adapter.reopen();
      }
      const pages: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.messages.undelivered(2, after);
        if (page.length === 0) break;
        pages.push(bodies(page));
        after = page[page.length - 1]!.sid;
      }
      assert.deepEqual(pages, [['m9', 'm8'], ['m7', 'm3']]);
    });

    test('turns: pending in arrival order; complete commits the outcome once, even when run twice', async () => {
      const [first, second] = [inbound('first'), inbound('second', { from: OTHER_HANDSET })];
      await store.messages.insert(first, { startTurn: true });
      await store.messages.insert(second, { startTurn: true });
      assert.deepEqual((await store.turns.pending(10)).map((t) => t.messageSid), [first.sid, second.sid]);

      const reply = replyTo(first, 0, 'thanks');
      const exchange = exchangeFor(first);
      const outcome = outcomeOf(first, {
        replies: [reply], exchanges: [exchange], alerts: [alertAbout(first, 12300)], errorCode: 12300, errorMessage: 'bad content type',
        conversation: conversationOf(first, '[{"key":"sid"}]', first.dateCreated + 5),
      });
      await store.turns.complete(outcome, { final: false });
      assert.equal(await store.turns.isDone(first.sid), false, 'final: false keeps the turn pending');
      await store.turns.complete({ ...outcome, exchanges: [], alerts: [] });
      // The same turn run again (after a crash, say): its new copy of reply 0 is not stored.
      await store.turns.complete({ ...outcome, replies: [replyTo(first, 0, 'a second copy')], exchanges: [exchangeFor(first)], alerts: [] });
      assert.equal(await store.turns.isDone(first.sid), true);
      assert.deepEqual((await store.turns.pending(10)).map((t) => t.messageSid), [second.sid]);
      assert.deepEqual(bodies(await store.messages.repliesOf(ACCOUNT, first.sid)), ['thanks'], 'one stored copy of each reply');
      assert.deepEqual(bodies(await store.messages.thread(ACCOUNT, first.from, { limit: 10 })), ['first', 'thanks'], 'the thread, the copy left out');
      const stored = (await store.messages.get(ACCOUNT, first.sid))!;
      assert.deepEqual([stored.errorCode, stored.errorMessage], [12300, 'bad content type']);
      assert.deepEqual((await store.conversations.get(outcome.conversation.id))?.cookies, '[{"key":"sid"}]');
      assert.equal((await store.exchanges.listForMessage(ACCOUNT, first.sid)).length, 2, 'each run keeps its own exchanges');
      assert.deepEqual((await store.alerts.list(ACCOUNT, { pageSize: 10 })).map((a) => a.errorCode), [12300]);
    });

    test("conversations: activity never goes back; touch keeps the jar; forget and expire empty it", async () => {
      const m = inbound('hi');
      const base = conversationOf(m, '[{"key":"sid"}]', 1_000);
      await store.turns.complete(outcomeOf(m, { conversation: base }));
      await store.turns.complete(outcomeOf(m, { conversation: { ...base, lastActivity: 500, cookies: '[{"key":"newer"}]' } }));
      assert.deepEqual(await store.conversations.get(base.id), { ...base, cookies: '[{"key":"newer"}]' }, 'the jar changes, its activity stays at 1000');
      await store.conversations.touch({ id: base.id, accountSid: ACCOUNT, number: NUMBER, handset: HANDSET, lastActivity: 2_000 });
      assert.deepEqual(await store.conversations.get(base.id), { ...base, lastActivity: 2_000, cookies: '[{"key":"newer"}]' });

      const other = conversationOf(inbound('x', { from: OTHER_HANDSET }), '[{"key":"other"}]', 3_000);
      await store.turns.complete(outcomeOf(inbound('y', { from: OTHER_HANDSET }), { conversation: other }));
      assert.deepEqual((await store.conversations.list(ACCOUNT, 10)).map((c) => c.id), [other.id, base.id], 'latest activity first');
      assert.deepEqual(await store.conversations.list(OTHER_ACCOUNT, 10), []);
      assert.equal(await store.conversations.forget(OTHER_ACCOUNT, other.id), false);
      assert.equal(await store.conversations.expire(2_500), 1);
      assert.equal((await store.conversations.get(base.id))?.cookies, null);
      assert.equal(await store.conversations.forget(ACCOUNT, other.id), true);
      assert.equal((await store.conversations.get(other.id))?.cookies, null);
    });

    test("exchanges: a conversation's, oldest first, the latest `limit`, never another's; old ones deleted by age", async () => {
      const mine: string[] = [];
      for (let i = 0; i < 4; i++) {
        for (const [account, handset] of [[ACCOUNT, HANDSET], [ACCOUNT, OTHER_HANDSET], [OTHER_ACCOUNT, HANDSET]] as const) {
          const m = inbound(`turn ${i}`, { accountSid: account, from: handset });
          const reply = replyTo(m, 0, 'ok');
          const [webhook, callback] = [exchangeFor(m, 'sms'), exchangeFor(reply, 'status-callback')];
          await insertAll(store, [m, reply]);
          await store.exchanges.insert(webhook);
          await store.exchanges.insert(callback);
          if (account === ACCOUNT && handset === HANDSET) mine.push(webhook.sid, callback.sid);
        }
      }
      const id = conversationOf(inbound('key only'), null).id;
      await store.conversations.touch({ id, accountSid: ACCOUNT, number: NUMBER, handset: HANDSET, lastActivity: later() });
      const all = await store.exchanges.listForConversation(ACCOUNT, id, 100);
      assert.deepEqual(all.map((x) => x.sid), mine);
      assert.deepEqual(all.slice(0, 2).map((x) => x.purpose), ['sms', 'status-callback']);
      assert.deepEqual((await store.exchanges.listForConversation(ACCOUNT, id, 3)).map((x) => x.sid), mine.slice(-3));
      assert.deepEqual(await store.exchanges.listForConversation(OTHER_ACCOUNT, id, 100), []);
      assert.deepEqual(await store.exchanges.listForMessage(OTHER_ACCOUNT, all[0]!.messageSid), []);

      const cutoff = all[4]!.startedAt;
      assert.ok(await store.exchanges.deleteBefore(cutoff) >= 4);
      assert.deepEqual((await store.exchanges.listForConversation(ACCOUNT, id, 100)).map((x) => x.sid), mine.slice(4));
    });

    test('alerts: read by their own account, paged, deleted by age', async () => {
      const m = inbound('hi');
      const alerts = [alertAbout(m, 11200), alertAbout(m, 12100), alertAbout(m, 12300)];
      for (const a of alerts) await store.alerts.insert(a);
      await store.alerts.insert(alertAbout(inbound('x', { accountSid: OTHER_ACCOUNT }), 11205));
      const all = await store.alerts.list(ACCOUNT, { pageSize: 10 });
      assert.deepEqual(new Set(all.map((a) => a.errorCode)), new Set([11200, 12100, 12300]));
      const page = await store.alerts.list(ACCOUNT, { pageSize: 2 });
      const rest = await store.alerts.list(ACCOUNT, { pageSize: 2, afterSid: page[1]!.sid });
      assert.deepEqual([...page, ...rest].map((a) => a.sid), all.map((a) => a.sid));
      assert.equal(await store.alerts.get(OTHER_ACCOUNT, alerts[0]!.sid), null);
      assert.deepEqual(await store.alerts.get(ACCOUNT, alerts[0]!.sid), alerts[0]);
      assert.equal(await store.alerts.deleteBefore(alerts[2]!.dateCreated), 2);
      assert.deepEqual((await store.alerts.list(ACCOUNT, { pageSize: 10 })).map((a) => a.errorCode), [12300]);
    });

    test('API keys and opt-outs are kept per account', async () => {
      const at = later();
      const key = { sid: 'SK' + 'c3'.repeat(16), accountSid: ACCOUNT, friendlyName: 'ci', secret: 's3cret', dateCreated: at, dateUpdated: at };
      await store.keys.insert(key);
      await store.keys.update({ ...key, friendlyName: 'deploys', dateUpdated: at + 1 });
      assert.deepEqual(await store.keys.get(key.sid), { ...key, friendlyName: 'deploys', dateUpdated: at + 1 });
      assert.deepEqual(await store.keys.list(OTHER_ACCOUNT, { pageSize: 10 }), []);
      assert.equal(await store.keys.delete(OTHER_ACCOUNT, key.sid), false);
      assert.equal(await store.keys.delete(ACCOUNT, key.sid), true);
      assert.equal(await store.keys.get(key.sid), null);

      await store.optOuts.add(ACCOUNT, NUMBER, HANDSET, later());
      assert.equal(await store.optOuts.has(ACCOUNT, NUMBER, HANDSET), true);
      assert.equal(await store.optOuts.has(OTHER_ACCOUNT, NUMBER, HANDSET), false);
      assert.equal(await store.optOuts.has(ACCOUNT, NUMBER, OTHER_HANDSET), false);
      assert.equal(await store.optOuts.remove(ACCOUNT, NUMBER, HANDSET), true);
      assert.equal(await store.optOuts.has(ACCOUNT, NUMBER, HANDSET), false);
      assert.equal(await store.optOuts.remove(ACCOUNT, NUMBER, HANDSET), false);
    });

    test('opt-outs: adding one twice keeps one; they last across a restart', async () => {
      await store.optOuts.add(ACCOUNT, NUMBER, HANDSET, later());
      await store.optOuts.add(ACCOUNT, NUMBER, HANDSET, later());
      await store.optOuts.add(ACCOUNT, '+15005550007', OTHER_HANDSET, later());
      if (adapter.reopen) {
        await store.close();
        store = await adapter.reopen();
      }
      assert.equal(await store.optOuts.has(ACCOUNT, NUMBER, HANDSET), true);
      assert.equal(await store.optOuts.has(ACCOUNT, '+15005550007', OTHER_HANDSET), true);
      assert.equal(await store.optOuts.has(ACCOUNT, NUMBER, OTHER_HANDSET), false);
      assert.equal(await store.optOuts.remove(ACCOUNT, NUMBER, HANDSET), true);
      assert.equal(await store.optOuts.remove(ACCOUNT, NUMBER, HANDSET), false, 'added twice, stored once');
      assert.equal(await store.optOuts.has(ACCOUNT, NUMBER, HANDSET), false);
    });

    test('Messaging Services: a number belongs to at most one; deleting a service releases its numbers', async () => {
      const at = later();
      const service = {
        sid: 'MG' + 'd4'.repeat(16), accountSid: ACCOUNT, friendlyName: 'alerts', inboundRequestUrl: '', inboundMethod: 'POST' as const,
        fallbackUrl: '', fallbackMethod: 'POST' as const, statusCallback: '', useInboundWebhookOnNumber: false, stickySender: true,
        validityPeriod: 600, dateCreated: at, dateUpdated: at,
      };
      const number = phoneNumber(NUMBER);
      await store.numbers.insert(number);
      await store.services.save(service);
      await store.services.save({ ...service, friendlyName: 'renamed' });
      assert.equal((await store.services.get(ACCOUNT, service.sid))?.friendlyName, 'renamed');
      assert.equal(await store.services.get(OTHER_ACCOUNT, service.sid), null);
      await store.services.addNumber(ACCOUNT, service.sid, number.sid, later());
      await assert.rejects(store.services.addNumber(ACCOUNT, 'MG' + 'e5'.repeat(16), number.sid, later()), 'a number in a second service');
      assert.equal(await store.services.serviceOf(number.sid), service.sid);
      const shortCode = { ...phoneNumber('12345', ACCOUNT, '12345', 'SC'), isoCountry: 'GB' };
      await store.numbers.insert(shortCode);
      await store.services.addNumber(ACCOUNT, service.sid, shortCode.sid, later());
      // The pool's entries come with their address and a short code's country: what the sender choice reads.
      assert.deepEqual((await store.services.numbers(ACCOUNT, service.sid)).map((n) => [n.numberSid, n.phoneNumber, n.isoCountry]),
        [[number.sid, NUMBER, null], [shortCode.sid, '12345', 'GB']]);
      assert.equal(await store.services.delete(ACCOUNT, service.sid), true);
      assert.equal(await store.services.serviceOf(number.sid), null);
      assert.deepEqual(await store.services.list(ACCOUNT, { pageSize: 10 }), []);
    });

    test("status callbacks: each message's oldest first, in the order they fall due; exchanges commit with them", async () => {
      const [a, b] = [outbound('a'), outbound('b')];
      await insertAll(store, [a, b]);
      await store.callbacks.enqueue(callbackFor(a, 'sent', 10));
      await store.callbacks.enqueue(callbackFor(a, 'delivered', 11));
      await store.callbacks.enqueue(callbackFor(b, 'sent', 12));
      const heads = await store.callbacks.heads(10);
      assert.deepEqual(heads.map((h) => [h.messageSid, h.params[0]![1], h.attempts, h.nextAttemptAt]), [[a.sid, 'sent', 0, 10], [b.sid, 'sent', 0, 12]]);

      // A retry keeps a's `delivered` waiting behind its `sent`, and orders a by its next attempt.
      await store.callbacks.retryLater(heads[0]!.id, 1, 500, exchangeFor(a, 'status-callback'));
      assert.deepEqual((await store.callbacks.heads(10)).map((h) => [h.messageSid, h.params[0]![1], h.attempts]), [[b.sid, 'sent', 0], [a.sid, 'sent', 1]]);
      assert.equal((await store.exchanges.listForMessage(ACCOUNT, a.sid)).length, 1);

      await store.callbacks.finish(heads[0]!.id, exchangeFor(a, 'status-callback'), alertAbout(a, 11205));
      const next = await store.callbacks.heads(10);
      assert.deepEqual(next.map((h) => [h.messageSid, h.params[0]![1]]), [[a.sid, 'delivered'], [b.sid, 'sent']]);
      assert.equal((await store.alerts.list(ACCOUNT, { pageSize: 10 })).length, 1);
      for (const h of next) await store.callbacks.finish(h.id, null, null);
      assert.deepEqual(await store.callbacks.heads(10), []);
    });

    test('queue depths: pending turns, unsent outbound messages and waiting callbacks, across accounts', async () => {
      assert.deepEqual(await store.queueDepths(), { turns: 0, outbound: 0, callbacks: 0 });
      const [first, second] = [inbound('first'), inbound('second', { accountSid: OTHER_ACCOUNT })];
      await store.messages.insert(first, { startTurn: true });
      await store.messages.insert(second, { startTurn: true });
      await store.messages.insert(inbound('no turn'));
      const unsent = [outbound('queued'), outbound('accepted', { status: 'accepted' }), outbound('sending', { status: 'sending' })];
      await insertAll(store, [...unsent, outbound('done', { status: 'delivered' }), outbound('later', { status: 'scheduled' })]);
      await store.callbacks.enqueue(callbackFor(unsent[0]!, 'sent'));
      await store.callbacks.enqueue(callbackFor(unsent[0]!, 'delivered'));
      assert.deepEqual(await store.queueDepths(), { turns: 2, outbound: 3, callbacks: 2 });

      await store.turns.complete(outcomeOf(first, { replies: [replyTo(first, 0, 'a queued reply')] }));
      await store.messages.setStatus(unsent[0]!.sid, 'sent', { at: later() });
      const [head] = await store.callbacks.heads(1);
      await store.callbacks.finish(head!.id, null, null);
      assert.deepEqual(await store.queueDepths(), { turns: 1, outbound: 3, callbacks: 1 }, 'the reply joins the outbound queue as the sent one leaves it');
    });

    test('ping answers while the store is open and fails once it is closed', async () => {
      await store.ping();
      await store.close();
      await assert.rejects(store.ping());
      store = await (adapter.reopen ?? adapter.open).call(adapter);
      await store.ping();
    });

    describeCarrierContract(() => store);
    describeThreadContract(() => store);

    if (adapter.reopen) {
      const reopen = adapter.reopen.bind(adapter);
      test('every acknowledged write is there after the store is closed and opened again', async () => {
        const m = inbound('kept', { statusCallback: 'http://127.0.0.1:9/status' });
        await store.messages.insert(m, { startTurn: true });
        await store.turns.complete(outcomeOf(m, { replies: [replyTo(m, 0, 'reply kept')], conversation: conversationOf(m, '[{"key":"sid"}]') }));
        await store.callbacks.enqueue(callbackFor(m, 'received'));
        await store.close();
        store = await reopen();
        assert.equal((await store.messages.get(ACCOUNT, m.sid))?.body, 'kept');
        assert.equal(await store.turns.isDone(m.sid), true);
        assert.deepEqual(bodies(await store.messages.repliesOf(ACCOUNT, m.sid)), ['reply kept']);
        assert.equal((await store.conversations.get(conversationOf(m, null).id))?.cookies, '[{"key":"sid"}]');
        assert.equal((await store.callbacks.heads(10)).length, 1);
      });
    }
  });
}
