/**
 * Faults mid-flight: nothing accepted is lost, and nothing the SMSC acknowledged (and Parley
 * recorded) is sent twice.
 * - The SMSC dies with submits answered and submits held: after it comes back, the held ones go
 *   again (at least once: the SMSC may have taken them) and the answered ones never do.
 * - Parley is SIGKILLed with short messages answered and held, a long message with two of its
 *   three parts answered, and a message from a handset acknowledged: after the restart the held
 *   messages and the missing part go (the part with the message's same UDH reference), the
 *   answered ones and parts never go again, and the acknowledged inbound message is there.
 * The kill happens only once Parley shows the answered ones recorded (sent, or listed as parts),
 * so the test is deterministic; what was held at the kill may be sent twice, by design.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Api, freePort, GatewayProcess, newCredentials } from '../../helpers/gateway-process.js';
import { EventStream } from '../../helpers/event-stream.js';
import { SmscDouble } from '../../helpers/smsc-double.js';
import { encodeGsm7 } from '../../../src/channels/smpp/gsm7.js';
import type { PDU } from '../../../src/channels/smpp/library.js';
import { startSmppParley } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-smpp-faults-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const body = (pdu: PDU): string => String(pdu.short_message);

test('the SMSC dies mid-flight: held submits go again after it is back, answered ones never do', async () => {
  const first = await SmscDouble.start();
  const parley = await startSmppParley(first, { window: 20 });
  let second: SmscDouble | null = null;
  try {
    first.onSubmit = (s) => (Number(body(s.pdu).split(' ')[1]) % 2 === 0 ? {} : { hold: true });
    const sids: string[] = [];
    for (let i = 0; i < 10; i++) sids.push((await parley.create(`message ${i}`, { To: `+155570000${String(i).padStart(2, '0')}` })).sid);
    await first.until(() => first.submits.length === 10, 'ten submits');
    // Deterministic: kill only once Parley has recorded the answered ones.
    for (let i = 0; i < 10; i += 2) await parley.status(sids[i]!, ['sent']);
    const answered = first.submits.filter((s) => s.status === 0).map((s) => body(s.pdu));
    assert.equal(answered.length, 5);
    await first.close();
    second = await SmscDouble.start({ port: first.port });
    for (const sid of sids) await parley.status(sid, ['sent']);
    const again = second.submits.map((s) => body(s.pdu)).sort();
    assert.deepEqual(again, ['message 1', 'message 3', 'message 5', 'message 7', 'message 9']);
    assert.ok(answered.every((b) => !again.includes(b)), 'nothing the SMSC acknowledged was sent again');
  } finally {
    await parley.stop();
    await second?.close();
  }
});

test('SIGKILL mid-flight: after the restart held messages and missing parts go, acknowledged ones never again, and an acknowledged inbound message is kept', async () => {
  const double = await SmscDouble.start();
  const credentials = newCredentials();
  const config = join(dir, 'parley.yaml');
  writeFileSync(config, `log-level: warn\nchannels:\n  - name: carrier-a\n    type: smpp\n    host: 127.0.0.1\n    port: ${double.port}\n    system-id: parley\n    password: secret\n    numbers: ["+15550001111"]\n    window: 20\n    reconnect-delay: 100ms\n`);
  const gateway = new GatewayProcess(await freePort(), join(dir, 'killed.db'), credentials, ['--config', config]);
  const api = new Api(gateway.url, credentials);
  let events: EventStream | null = null;
  try {
    await gateway.start();
    await api.createNumber({ PhoneNumber: '+15550001111', SmsUrl: 'http://127.0.0.1:9/none' });
    events = await EventStream.open(api);
    // Short messages: "short 0", "short 2", "short 4" are answered, the odd ones held; the long
    // message's parts 1 and 2 are answered and part 3 held.
    double.onSubmit = (s) => {
      const sm = s.pdu.short_message as Buffer;
      if ((Number(s.pdu.esm_class) & 0x40) !== 0) return sm[5] === 3 ? { hold: true } : {};
      return Number(body(s.pdu).split(' ')[1]) % 2 === 0 ? {} : { hold: true };
    };
    const create = async (text: string, to: string): Promise<string> => {
      const res = await api.request('POST', `/2010-04-01/Accounts/${credentials.accountSid}/Messages.json`, { From: '+15550001111', To: to, Body: text });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      return String(res.json.sid);
    };
    const shorts: string[] = [];
    for (let i = 0; i < 6; i++) shorts.push(await create(`short ${i}`, `+155571000${String(i).padStart(2, '0')}`));
    const longText = 'L'.repeat(400);
    const long = await create(longText, '+15557199999');
    await double.until(() => double.submits.length === 9, 'nine submits (six short, three parts)');
    for (let i = 0; i < 6; i += 2) await events.message(shorts[i]!, ['sent']);
    // The long message stays queued; its recorded parts show in its parts list (read until they
    // do: a child process has no event for it; each read waits for the previous answer).
    const deadline = Date.now() + 15_000;
    for (;;) {
      const parts = await api.request('GET', `/parley/messages/${long}/parts`);
      if ((parts.json.parts as unknown[]).length === 2) break;
      assert.ok(Date.now() < deadline, 'parts 1 and 2 recorded in time');
    }
    const inbound = await double.deliver({ from: '15557300001', to: '15550001111', shortMessage: encodeGsm7('kept across the kill') });
    assert.equal(inbound.command_status, 0);
    events.close();

    await gateway.kill('SIGKILL');
    const beforeRestart = double.submits.length;
    double.onSubmit = () => ({});
    await gateway.start();
    events = await EventStream.open(api);
    for (const sid of [...shorts, long]) await events.message(sid, ['sent']);

    const after = double.submits.slice(beforeRestart);
    const afterBodies = after.filter((s) => (Number(s.pdu.esm_class) & 0x40) === 0).map((s) => body(s.pdu)).sort();
    assert.deepEqual(afterBodies, ['short 1', 'short 3', 'short 5'], 'held ones again, answered ones never');
    const longParts = after.filter((s) => (Number(s.pdu.esm_class) & 0x40) !== 0);
    assert.deepEqual(longParts.map((s) => (s.pdu.short_message as Buffer)[5]), [3], 'only the missing part');
    const references = double.submits.filter((s) => (Number(s.pdu.esm_class) & 0x40) !== 0).map((s) => (s.pdu.short_message as Buffer)[3]);
    assert.equal(new Set(references).size, 1, 'the same reference before and after the restart');
    const parts = await api.request('GET', `/parley/messages/${long}/parts`);
    assert.deepEqual((parts.json.parts as Array<{ index: number }>).map((p) => p.index), [1, 2, 3]);

    const received = await api.request('GET', `/2010-04-01/Accounts/${credentials.accountSid}/Messages.json?From=%2B15557300001`);
    assert.deepEqual((received.json.messages as Array<{ body: string }>).map((m) => m.body), ['kept across the kill']);
  } finally {
    events?.close();
    await gateway.kill('SIGTERM');
    await double.close();
  }
});
