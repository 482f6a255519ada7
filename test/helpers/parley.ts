/** Test helpers: a real Parley in-process (real HTTP server, real SQLite file or PostgreSQL database) and an API client. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startParley, type ParleyOptions, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { storeUnderTest } from './store-under-test.js';

export interface TestParley extends RunningParley {
  dir: string;
  api<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, form?: Record<string, string | string[]>): Promise<{ status: number; body: T }>;
  createNumber(phoneNumber: string, smsUrl: string, extra?: Record<string, string>): Promise<{ sid: string }>;
  text(from: string, to: string, body: string): Promise<{ sid: string }>;
  /** Waits for the turn of an inbound message and returns its view (replies, exchanges). */
  turn(sid: string): Promise<TurnView>;
}

export interface TurnView {
  message: { sid: string; error_code: number | null };
  turn: { status: string; error_code: number | null };
  replies: Array<{ sid: string; body: string; to: string; from: string; status: string; direction: string }>;
  exchanges: Array<{ purpose: string; request: { url: string; method: string; headers: Record<string, string>; params: Array<[string, string]> }; response: { status: number } | null; errorCode: number | null; steps: string[] }>;
}

export async function startTestParley(options: Partial<ParleyOptions> = {}): Promise<TestParley> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  const database = await storeUnderTest(join(dir, 'parley.db'));
  const parley = await startParley({
    port: 0, host: '127.0.0.1', db: database.db, sessionTtlMs: 4 * 3_600_000, dev: false,
    logger: createLogger({ level: 'silent' }), ...options,
  });
  const auth = 'Basic ' + Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64');
  const api = async <T>(method: 'GET' | 'POST' | 'DELETE', path: string, form?: Record<string, string | string[]>): Promise<{ status: number; body: T }> => {
    const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]))).toString() : undefined;
    const res = await request(parley.url + path, {
      method, headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const stop = parley.stop;
  return {
    ...parley,
    dir,
    api,
    stop: async () => {
      await stop();
      await database.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
    async createNumber(phoneNumber, smsUrl, extra = {}) {
      const res = await api<{ sid: string }>('POST', `/2010-04-01/Accounts/${parley.account.sid}/IncomingPhoneNumbers.json`, { PhoneNumber: phoneNumber, SmsUrl: smsUrl, ...extra });
      if (res.status !== 201) throw new Error(`number not created: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async text(from, to, body) {
      const res = await api<{ sid: string }>('POST', '/simulator/messages', { From: from, To: to, Body: body });
      if (res.status !== 201) throw new Error(`message not accepted: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async turn(sid) {
      for (const deadline = Date.now() + 100_000; Date.now() < deadline;) {
        const res = await api<TurnView>('GET', `/simulator/messages/${sid}?Wait=10s`);
        if (res.body.turn.status === 'done') {
          // Replies are delivered just after the turn commits; wait for their receipts too. The
          // long poll ends at the turn, so look again after a pause rather than at once: on a busy
          // machine ten immediate looks could all come before the receipts (a CI run saw it).
          if (res.body.replies.every((r) => r.status === 'delivered' || r.status === 'failed')) return res.body;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      throw new Error(`turn of ${sid} did not finish`);
    },
  };
}
