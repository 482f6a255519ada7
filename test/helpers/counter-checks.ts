/**
 * The end-of-run checks of the crash tests with the counter app (test/reliability/crash.test.ts on
 * one node, test/cluster/node-crash.test.ts and postgres-restart.test.ts on several).
 */
import assert from 'node:assert/strict';
import type { Api } from './gateway-process.js';
import type { ReceivedRequest } from '../reliability/apps.js';

/**
 * The end-of-run check of the counter-app tests: every stored inbound message of each handset has
 * a done turn with exactly one reply, the replies count 1..k in commit order, there is no extra
 * reply, and every accepted message is stored. Resolves with the number of turns checked.
 */
export async function checkCounters(apis: Api[], accepted: ReadonlyMap<string, readonly string[]>, number: string): Promise<number> {
  let checked = 0;
  await Promise.all([...accepted.entries()].map(async ([from, sids], h) => {
    const api = apis[h % apis.length]!;
    const path = `/simulator/handsets/${encodeURIComponent(from)}/messages?Number=${encodeURIComponent(number)}`;
    const thread = await api.request('GET', path);
    assert.equal(thread.status, 200);
    const inbound = (thread.json.messages as Array<{ sid: string; direction: string }>).filter((m) => m.direction === 'inbound').map((m) => m.sid);
    for (const sid of sids) assert.ok(inbound.includes(sid), `accepted ${sid} of ${from} is stored`);
    const counts: string[] = [];
    for (const sid of inbound) {
      const view = await api.turn(sid, '60s');
      assert.equal(view.turn.status, 'done', `turn of ${sid} finished`);
      assert.equal(view.turn.error_code, null, `turn of ${sid} had no error`);
      assert.equal(view.replies.length, 1, `exactly one reply to ${sid}: ${JSON.stringify(view.replies.map((r) => r.body))}`);
      counts.push(view.replies[0]!.body);
      checked++;
    }
    assert.deepEqual(counts, counts.map((_, i) => String(i + 1)), `replies to ${from} count 1..${counts.length} in commit order`);
    const final = await api.request('GET', path);
    const replies = (final.json.messages as Array<{ direction: string }>).filter((m) => m.direction !== 'inbound');
    assert.equal(replies.length, inbound.length, `no extra reply in ${from}'s thread`);
  }));
  return checked;
}

/**
 * Requests the app saw more than once (a turn run again after a kill) repeat the same message with
 * the same I-Twilio-Idempotency-Token and the same cookie (the jar update had not committed), and
 * each message has one token. Resolves with the number of tokens seen more than once.
 */
export function checkRepeats(received: readonly ReceivedRequest[]): number {
  const byToken = new Map<string, Array<{ sid: string | null; cookie: string | undefined }>>();
  for (const r of received) {
    const token = String(r.headers['i-twilio-idempotency-token']);
    const list = byToken.get(token) ?? [];
    list.push({ sid: r.params.get('MessageSid'), cookie: r.headers.cookie });
    byToken.set(token, list);
  }
  let repeats = 0;
  for (const [token, list] of byToken) {
    if (list.length < 2) continue;
    repeats++;
    for (const r of list) assert.deepEqual(r, list[0], `repeat of ${token}`);
  }
  const sidsSeen = new Set([...byToken.values()].map((l) => l[0]!.sid));
  assert.equal(sidsSeen.size, byToken.size, 'one token per message');
  return repeats;
}
