/**
 * Cookie rules through the public interface: apps that set cookies, and the Cookie headers Parley
 * sends back. RFC 6265 semantics come from tough-cookie; time from Parley's clock.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestParley, type TestParley } from '../helpers/parley.js';
import { startApp, twiml, type TestApp, type RecordedRequest } from '../helpers/apps.js';
import { ManualClock } from '../../src/clock/clock.js';
import type { ServerResponse } from 'node:http';

let parley: TestParley;
let clock: ManualClock;
let script: (req: RecordedRequest, res: ServerResponse) => void = (_req, res) => twiml(res, '<Response/>');
let app: TestApp;
let other: TestApp; // a second host (localhost instead of 127.0.0.1) for Redirect targets

before(async () => {
  clock = new ManualClock();
  parley = await startTestParley({ clock });
  app = await startApp((req, res) => script(req, res));
  other = await startApp((req, res) => script(req, res), 'localhost');
});

after(async () => {
  await app.close();
  await other.close();
  await parley.stop();
});

let numberSeq = 0;
async function freshNumber(path = '/sms'): Promise<string> {
  const number = `+1500555${String(1000 + numberSeq++).padStart(4, '0')}`;
  await parley.createNumber(number, app.origin + path);
  return number;
}

/** Sends one message and returns the Cookie header of the first webhook request of its turn. */
async function exchange(number: string, handset: string, respond: typeof script): Promise<string | undefined> {
  const seen = app.requests.length;
  script = respond;
  const { sid } = await parley.text(handset, number, 'x');
  await parley.turn(sid);
  return app.requests[seen]?.headers.cookie;
}

const none = (_req: RecordedRequest, res: ServerResponse): void => twiml(res, '<Response/>');
const setting = (...cookies: string[]) => (_req: RecordedRequest, res: ServerResponse): void => twiml(res, '<Response/>', { 'set-cookie': cookies });

test('several cookies are kept and sent back together', async () => {
  const number = await freshNumber();
  await exchange(number, '+15551110001', setting('a=1; Path=/', 'b=2; Path=/'));
  assert.equal(await exchange(number, '+15551110001', none), 'a=1; b=2');
});

test('Path scoping: a cookie for /other is not sent to /sms', async () => {
  const number = await freshNumber();
  await exchange(number, '+15551110002', setting('scoped=1; Path=/other', 'root=1; Path=/'));
  assert.equal(await exchange(number, '+15551110002', none), 'root=1');
});

test('Domain scoping: a cookie for another domain is refused; host-only cookies stay on their host', async () => {
  const number = await freshNumber();
  await exchange(number, '+15551110003', setting('foreign=1; Domain=example.com', 'mine=1'));
  assert.equal(await exchange(number, '+15551110003', none), 'mine=1');
});

test('Max-Age and Expires follow the clock; deletion removes the cookie', async () => {
  const number = await freshNumber();
  const handset = '+15551110004';
  const later = new Date(clock.now() + 3_600_000).toUTCString();
  await exchange(number, handset, setting('short=1; Max-Age=60', `hour=1; Expires=${later}`, 'gone=1'));
  assert.equal(await exchange(number, handset, setting('gone=; Max-Age=0')), 'short=1; hour=1; gone=1');
  assert.equal(await exchange(number, handset, none), 'short=1; hour=1');
  clock.advance(61_000);
  assert.equal(await exchange(number, handset, none), 'hour=1');
  clock.advance(3_600_000);
  assert.equal(await exchange(number, handset, none), undefined);
});

test('a cookie set by a Redirect target on another host goes back to that host only', async () => {
  const number = await freshNumber();
  const handset = '+15551110005';
  const redirecting = (req: RecordedRequest, res: ServerResponse): void => {
    if (req.headers.host?.startsWith('localhost')) {
      twiml(res, '<Response><Message>from other</Message></Response>', { 'set-cookie': 'other=1' });
    } else {
      twiml(res, `<Response><Redirect>${other.origin}/next</Redirect></Response>`, { 'set-cookie': 'main=1' });
    }
  };
  const before = other.requests.length;
  await exchange(number, handset, redirecting);
  assert.equal(other.requests[before]?.headers.cookie, undefined, 'main=1 is not sent to another host');
  const seen = app.requests.length;
  const otherSeen = other.requests.length;
  script = redirecting;
  const { sid } = await parley.text(handset, number, 'again');
  const view = await parley.turn(sid);
  assert.equal(app.requests[seen]?.headers.cookie, 'main=1');
  assert.equal(other.requests[otherSeen]?.headers.cookie, 'other=1');
  assert.deepEqual(view.replies.map((r) => r.body), ['from other']);
  // The redirect request carries the inbound parameters, signed for its own URL.
  assert.equal(other.requests[otherSeen]?.params.get('MessageSid'), sid);
});

test('no cookie of one conversation ever appears in another conversation\'s requests (property)', async () => {
  const numbers = [await freshNumber(), await freshNumber()];
  const handsets = ['+15551112001', '+15551112002', '+15551112003'];
  await fc.assert(fc.asyncProperty(
    fc.array(fc.record({ n: fc.nat(1), h: fc.nat(2) }), { minLength: 3, maxLength: 12 }),
    async (steps) => {
      for (const { n, h } of steps) {
        const tag = `n${n}h${h}`;
        const cookie = await exchange(numbers[n]!, handsets[h]!, setting(`${tag}_${numberSeq}=1`));
        for (const pair of (cookie ?? '').split('; ').filter(Boolean)) {
          assert.ok(pair.startsWith(`${tag}_`), `conversation ${tag} received foreign cookie ${pair}`);
        }
      }
    },
  ), { numRuns: 8 });
});
