/**
 * Outbound over SMPP, through the REST API and an SMSC double: the submit_sm fields (addresses,
 * TON/NPI, data_coding, registered_delivery, UDH), statuses from submit_sm_resp and receipts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SmscDouble, submitFields } from '../../helpers/smsc-double.js';
import { startSmppParley, type SmppParley } from './fixtures.js';

describe('a REST message over SMPP', () => {
  let double: SmscDouble;
  let parley: SmppParley;
  before(async () => {
    double = await SmscDouble.start();
    parley = await startSmppParley(double);
  });
  after(async () => {
    await parley.stop();
    await double.close();
  });

  test('goes out as one submit_sm with E.164 digits, TON 1 NPI 1, GSM-7 and a final receipt asked; sent, then delivered by a text receipt', async () => {
    const created = await parley.create('Hello @ home');
    await parley.status(created.sid, ['sent']);
    assert.equal(double.submits.length, 1);
    const submit = double.submits[0]!;
    assert.deepEqual(submitFields(submit.pdu), {
      source_addr: '15550001111', source_addr_ton: 1, source_addr_npi: 1, destination_addr: '15551230001', dest_addr_ton: 1, dest_addr_npi: 1,
      esm_class: 0, data_coding: 0, registered_delivery: 1,
    });
    assert.deepEqual(submit.pdu.short_message, Buffer.from([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x00, 0x20, 0x68, 0x6f, 0x6d, 0x65]));
    const resp = await double.receipt({ messageId: submit.messageId, form: 'text' });
    assert.equal(resp.command_status, 0);
    const delivered = await parley.status(created.sid, ['delivered']);
    assert.equal(delivered.errorCode, null);
  });
});
