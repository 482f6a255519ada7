/** Assertions on the official twilio package's errors, shared by the REST tests. */
import assert from 'node:assert/strict';
import twilio from 'twilio';

/** The call fails with a RestException carrying this HTTP status, Twilio code and more_info link. */
export async function rejects(call: () => Promise<unknown>, status: number, code: number): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof twilio.RestException, `not a RestException: ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.code, code);
    assert.equal(error.moreInfo, `https://www.twilio.com/docs/errors/${code}`);
    return true;
  });
}
