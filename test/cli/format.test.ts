/** The CLI's line formats: colour only on a terminal without NO_COLOR, and the SSE reader. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exchangeLine, messageLine, paintFor } from '../../src/cli/format.js';
import { readSse } from '../../src/cli/sse.js';

const message = { sid: 'SM1', from: '+15551230001', to: '+15005550006', body: 'hi', direction: 'inbound', status: 'received', date_created: 'Mon, 23 Nov 2026 12:34:56 +0000' };
const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

test('colour only when the stream is a terminal and NO_COLOR is unset', () => {
  assert.match(messageLine(message, paintFor(tty, {})), /\u001b\[36m/);
  assert.doesNotMatch(messageLine(message, paintFor(tty, { NO_COLOR: '1' })), /\u001b\[/);
  assert.doesNotMatch(messageLine(message, paintFor(tty, { TERM: 'dumb' })), /\u001b\[/);
  assert.equal(messageLine(message, paintFor(pipe, {})), '12:34:56  +15551230001 → +15005550006  in   "hi"');
});

test('an exchange line names the request, the status and the error code', () => {
  const line = exchangeLine({
    purpose: 'sms', startedAt: Date.UTC(2026, 10, 23, 1, 2, 3), messageSid: 'SM1', request: { method: 'POST', url: 'http://127.0.0.1:4000/sms' },
    response: { status: 502, durationMs: 7 }, errorCode: 11200, errorMessage: 'HTTP retrieval failure', steps: [],
  }, paintFor(pipe, {}));
  assert.equal(line, '01:02:03  webhook sms POST http://127.0.0.1:4000/sms → 502 in 7 ms  error 11200: HTTP retrieval failure');
});

test('readSse splits events at blank lines, skips comments, joins data lines, and copes with split chunks', async () => {
  async function* chunks(): AsyncGenerator<string> {
    yield ': connected\n\nevent: message\nda';
    yield 'ta: {"a":1}\n\n: keep-alive\n\nevent: alert\ndata: x\ndata: y\r\n\r\n';
  }
  const events = [];
  for await (const e of readSse(chunks())) events.push(e);
  assert.deepEqual(events, [{ event: 'message', data: '{"a":1}' }, { event: 'alert', data: 'x\ny' }]);
});
