/**
 * The Store contract's threads (src/stores/store.ts: `messages.thread`, `messages.delete`,
 * `exchanges.listForConversation`), run by `describeStoreContract` for every adapter, through the
 * Store interface only. A seeded random history of turns, API messages, replies to other handsets,
 * Parley numbers texting each other, and deletes, checked against a plain model of what a thread is:
 * the messages with the handset on one side (and the number on the other, if given), the latest
 * `limit`, oldest first. The SQLite store keeps a conversation's messages as a chain (migration 13),
 * so the history deletes heads, tails and middles, and writes to conversations that exist and that
 * do not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store } from '../../../src/stores/store.js';
import type { MessageRecord } from '../../../src/stores/records.js';
import { conversationId } from '../../../src/stores/records.js';
import { ACCOUNT, OTHER_ACCOUNT, exchangeFor, inbound, later, outbound, outcomeOf, replyTo } from './fixtures.js';

const NUMBERS = ['+15005550006', '+15005550007'];
const HANDSETS = ['+15558670501', '+15558670502', '+15558670503'];
const PEOPLE = [...NUMBERS, ...HANDSETS];

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): (n: number) => number {
  let a = seed;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const handsetOf = (m: MessageRecord): string => (m.direction === 'inbound' ? m.from : m.to);
const numberOf = (m: MessageRecord): string => (m.direction === 'inbound' ? m.to : m.from);

/** The model: a thread as the Store contract defines it, over the messages alive, in the order written. */
function expectedThread(alive: MessageRecord[], account: string, handset: string, number: string | null, limit: number): string[] {
  const mine = alive.filter((m) => m.accountSid === account && (
    (handsetOf(m) === handset && (number === null || numberOf(m) === number))
    || (numberOf(m) === handset && (number === null || handsetOf(m) === number))));
  return mine.slice(-limit).map((m) => m.sid);
}

export function describeThreadContract(storeOf: () => Store): void {
  test('messages: threads stay whole through turns, API messages and deletes of any message', async () => {
    const store = storeOf();
    const next = random(20261206);
    const alive: MessageRecord[] = [];
    const pick = <T>(list: readonly T[]): T => list[next(list.length)]!;

    const check = async (): Promise<void> => {
      for (const handset of PEOPLE) {
        for (const number of [null, ...PEOPLE]) {
          for (const limit of [1, 3, 1000]) {
            const found = await store.messages.thread(ACCOUNT, handset, { limit, ...(number ? { number } : {}) });
            assert.deepEqual(found.map((m) => m.sid), expectedThread(alive, ACCOUNT, handset, number, limit),
              `thread of ${handset} with ${number ?? 'any number'}, limit ${limit}`);
          }
        }
      }
    };

    for (let step = 0; step < 160; step++) {
      const kind = next(10);
      const [number, handset] = [pick(NUMBERS), pick(HANDSETS)];
      if (kind < 4) {
        // A turn: the inbound message, then its replies, one of them now and then to another handset.
        const m = inbound(`turn ${step}`, { from: handset, to: number });
        await store.messages.insert(m, { startTurn: true });
        const replies = Array.from({ length: next(3) }, (_, i) => replyTo(m, i, `reply ${step}.${i}`));
        if (replies.length > 0 && next(4) === 0) replies[0] = { ...replies[0]!, to: pick(HANDSETS) };
        await store.turns.complete(outcomeOf(m, { replies }));
        alive.push(m, ...replies);
      } else if (kind < 6) {
        // Now and then to the other Parley number (never to itself: the API refuses that, 21266).
        const m = outbound(`api ${step}`, { from: number, to: next(5) === 0 ? NUMBERS.find((n) => n !== number)! : handset });
        await store.messages.insert(m);
        alive.push(m);
      } else if (kind < 7) {
        // Another account's conversation with the same numbers: never in this account's threads.
        const m = inbound(`other account ${step}`, { accountSid: OTHER_ACCOUNT, from: handset, to: number });
        await store.messages.insert(m, { startTurn: true });
        await store.turns.complete(outcomeOf(m, { replies: [replyTo(m, 0, 'theirs')] }));
      } else if (alive.length > 0) {
        // Deletes favour the latest messages (a chain's head) and else take any (its middle or tail).
        const index = next(2) === 0 ? alive.length - 1 - next(Math.min(3, alive.length)) : next(alive.length);
        const [gone] = alive.splice(index, 1);
        assert.equal(await store.messages.delete(ACCOUNT, gone!.sid), true);
        assert.equal(await store.messages.delete(ACCOUNT, gone!.sid), false);
      }
      if (step % 40 === 39) await check();
    }
    assert.ok(alive.length > 40, `the history keeps ${alive.length} messages`);
    await check();
  });

  test("exchanges: a conversation's stay found after messages of it are deleted", async () => {
    const store = storeOf();
    const [number, handset] = [NUMBERS[0]!, HANDSETS[0]!];
    const webhooks: string[] = [];
    const turns: MessageRecord[] = [];
    for (let i = 0; i < 5; i++) {
      const m = inbound(`turn ${i}`, { from: handset, to: number });
      await store.messages.insert(m, { startTurn: true });
      const webhook = exchangeFor(m, 'sms', later());
      await store.turns.complete(outcomeOf(m, { replies: [replyTo(m, 0, 'ok')], exchanges: [webhook] }));
      webhooks.push(webhook.sid);
      turns.push(m);
    }
    const id = conversationId({ accountSid: ACCOUNT, number, handset });
    await store.messages.delete(ACCOUNT, turns[2]!.sid); // its exchange goes with it from the conversation's list
    const found = (await store.exchanges.listForConversation(ACCOUNT, id, 100)).map((x) => x.sid);
    assert.deepEqual(found, [webhooks[0], webhooks[1], webhooks[3], webhooks[4]]);
  });
}
