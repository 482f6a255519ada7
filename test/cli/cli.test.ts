/**
 * The `parley` CLI as a subprocess against a running Parley (in-process, development mode):
 * every client command, its output and exit code, and the error paths (unreachable Parley, bad
 * credentials, unknown number, usage errors).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startParley, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { startSessionCounter, type RunningApp } from '../../examples/session-counter/server.js';
import { cleanEnv, runCli } from './run-cli.js';
import { freePort } from '../helpers/gateway-process.js';
import { basicAuth } from '../helpers/basic-auth.js';
import { callApi } from '../../src/cli/api-client.js';

const NUMBER = '+15005550006';
const HANDSET = '+15551230001';
let parley: RunningParley;
let app: RunningApp;
let env: NodeJS.ProcessEnv;

const start = (dev: boolean): Promise<RunningParley> => startParley({
  port: 0, host: '127.0.0.1', db: ':memory:', dev, sessionTtlMs: 4 * 3_600_000, logger: createLogger({ level: 'silent' }),
});

before(async () => {
  parley = await start(true);
  app = await startSessionCounter({ authToken: parley.account.authToken });
  env = cleanEnv({ PARLEY_URL: parley.url, PARLEY_ACCOUNT_SID: parley.account.sid, PARLEY_AUTH_TOKEN: parley.account.authToken });
});

after(async () => {
  await parley.stop();
  await app.close();
});

describe('help and usage', () => {
  test('parley --help lists every command and the exit codes', async () => {
    const r = await runCli(['--help'], env);
    assert.equal(r.code, 0);
    for (const name of ['serve', 'dev', 'send', 'thread', 'numbers', 'tail', 'channels', 'nodes', 'clock', 'config', 'db']) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
    assert.match(r.stdout, /Exit codes: 0 success, 1 the operation failed, 2 bad usage/);
  });

  const helpTable: Array<[string, RegExp[]]> = [
    ['send', [/--from E164/, /--to E164/, /--timeout DURATION/, /--url URL/]],
    ['thread', [/parley thread HANDSET/, /--number E164/, /--auth-token TOKEN/]],
    ['numbers', [/add NUMBER/, /list/, /update NUMBER\|PN…/, /remove NUMBER\|PN…/, /--sms-url URL/, /--fallback-url URL/]],
    ['tail', [/--handset E164/, /--account-sid AC…/]],
    ['clock', [/show/, /advance DURATION/]],
    ['db', [/--db FILE/]],
  ];
  for (const [name, patterns] of helpTable) {
    test(`parley ${name} --help is generated from its options`, async () => {
      const r = await runCli([name, '--help'], env);
      assert.equal(r.code, 0, r.stderr);
      for (const p of patterns) assert.match(r.stdout, p);
    });
  }

  const usageTable: Array<[string[], RegExp]> = [
    [[], /Usage: parley <command>/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['send', '--to', NUMBER], /--from and --to are required/],
    [['send', '--from', HANDSET, '--to', NUMBER, '--timeout', 'soon', 'hi'], /--timeout: "soon" is not a duration/],
    [['numbers'], /needs an action: add, list, update or remove/],
    [['numbers', 'add'], /needs a number/],
    [['numbers', 'update', NUMBER], /needs at least one of --sms-url/],
    [['numbers', 'list', '--colour'], /unknown option "--colour"/],
    [['clock'], /needs an action: show or advance/],
    [['clock', 'advance'], /needs a duration/],
    [['clock', 'advance', 'yesterday'], /"yesterday" is not a duration/],
    [['thread'], /needs exactly one handset/],
  ];
  for (const [args, message] of usageTable) {
    test(`parley ${args.join(' ') || '(nothing)'} is a usage error (exit 2)`, async () => {
      const r = await runCli(args, env);
      assert.equal(r.code, 2);
      assert.match(r.stdout + r.stderr, message);
    });
  }

  test('missing credentials is a usage error naming the variables', async () => {
    const r = await runCli(['numbers', 'list'], cleanEnv({ PARLEY_URL: parley.url }));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^parley: credentials needed: .*PARLEY_ACCOUNT_SID and PARLEY_AUTH_TOKEN/);
  });
});

describe('numbers, send, thread and clock against a development-mode Parley', () => {
  test('numbers add, then a duplicate fails with 21422', async () => {
    const r = await runCli(['numbers', 'add', NUMBER, '--sms-url', app.smsUrl], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^added \\+15005550006  PN[0-9a-f]{32}  POST ${app.smsUrl}`));
    const again = await runCli(['numbers', 'add', NUMBER, '--sms-url', app.smsUrl], env);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.match(again.stderr, /^parley: .*already in use\. \(Twilio error 21422\)\n$/);
  });

  test('numbers update by phone number, and list shows the change', async () => {
    const r = await runCli(['numbers', 'update', NUMBER, '--friendly-name', 'Counter'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^updated \+15005550006 .*"Counter"/);
    const list = await runCli(['numbers', 'list'], env);
    assert.equal(list.code, 0);
    assert.match(list.stdout, new RegExp(`^\\+15005550006  PN[0-9a-f]{32}  POST ${app.smsUrl}  "Counter"\\n$`));
  });

  test('numbers add takes a short code (a ShortCode); list shows it after the numbers; update and remove find it by its digits', async () => {
    const add = await runCli(['numbers', 'add', '894546', '--sms-url', app.smsUrl], env);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, new RegExp(`^added 894546  SC[0-9a-f]{32}  POST ${app.smsUrl}  "894546"\\n$`));
    const update = await runCli(['numbers', 'update', '894546', '--friendly-name', 'Rewards'], env);
    assert.match(update.stdout, /^updated 894546  SC[0-9a-f]{32} .*"Rewards"\n$/);
    const list = await runCli(['numbers', 'list'], env);
    assert.match(list.stdout, new RegExp(`^\\+15005550006  PN[0-9a-f]{32} .*"Counter"\\n894546  SC[0-9a-f]{32}  POST ${app.smsUrl}  "Rewards"\\n$`));
    const remove = await runCli(['numbers', 'remove', '894546'], env);
    assert.match(remove.stdout, /^removed 894546 \(SC[0-9a-f]{32}\)\n$/);
    const unknown = await runCli(['numbers', 'remove', '894546'], env);
    assert.match(unknown.stderr, /^parley: 894546 is not a short code of account AC[0-9a-f]{32} \(Twilio error 20404\)\n$/);
  });

  test('numbers add --country gives a short code its country (the webhook\'s ToCountry); a number or an update refuses it', async () => {
    const add = await runCli(['numbers', 'add', '60000', '--country', 'GB', '--sms-url', app.smsUrl], env);
    assert.equal(add.code, 0, add.stderr);
    const conn = { url: env.PARLEY_URL!, accountSid: env.PARLEY_ACCOUNT_SID!, authToken: env.PARLEY_AUTH_TOKEN! };
    const shortCode = (await callApi<{ short_codes: Array<{ sid: string }> }>(conn, 'GET', `/2010-04-01/Accounts/${conn.accountSid}/SMS/ShortCodes.json?ShortCode=60000`)).short_codes[0]!;
    const service = await callApi<{ sid: string }>(conn, 'POST', '/v1/Services', [['FriendlyName', 'uk']]);
    const inPool = await callApi<{ country_code: string }>(conn, 'POST', `/v1/Services/${service.sid}/ShortCodes`, [['ShortCodeSid', shortCode.sid]]);
    assert.equal(inPool.country_code, 'GB');
    await callApi(conn, 'DELETE', `/v1/Services/${service.sid}`);
    const wrong = await runCli(['numbers', 'add', '60001', '--country', 'XX'], env);
    assert.match(wrong.stderr, /IsoCountry must be a country code such as US or GB, not "XX"\. \(Twilio error 20001\)\n$/);
    const number = await runCli(['numbers', 'add', '+15005550099', '--country', 'GB'], env);
    assert.deepEqual([number.code, number.stderr], [2, 'parley: --country is for short codes; a number\'s country is in its digits\n']);
    const update = await runCli(['numbers', 'update', '60000', '--country', 'FR'], env);
    assert.match(update.stderr, /--country is given when a short code is added; it does not change/);
    assert.equal((await runCli(['numbers', 'remove', '60000'], env)).code, 0);
  });

  test('an unknown number fails with 20404 (update, remove) or 21211 (send)', async () => {
    const update = await runCli(['numbers', 'update', '+15559990000', '--sms-url', app.smsUrl], env);
    assert.equal(update.code, 1);
    assert.match(update.stderr, /^parley: \+15559990000 is not a number of account AC[0-9a-f]{32} \(Twilio error 20404\)\n$/);
    const remove = await runCli(['numbers', 'remove', 'PN00000000000000000000000000000000'], env);
    assert.equal(remove.code, 1);
    assert.match(remove.stderr, /\(Twilio error 20404\)\n$/);
    const send = await runCli(['send', '--from', HANDSET, '--to', '+15559990000', 'hi'], env);
    assert.equal(send.code, 1);
    assert.match(send.stderr, /^parley: The 'To' number \+15559990000 is not a Parley number of this account\. \(Twilio error 21211\)\n$/);
  });

  test('send prints the replies; clock advance 4h starts a new session; thread shows it all', async () => {
    const first = await runCli(['send', '--from', HANDSET, '--to', NUMBER, 'hi'], env);
    assert.deepEqual([first.code, first.stdout], [0, 'Hello, thanks for the new message.\n']);
    const second = await runCli(['send', '--from', HANDSET, '--to', NUMBER, 'again'], env);
    assert.deepEqual([second.code, second.stdout], [0, 'Hello, thanks for message number 2\n']);

    const show = await runCli(['clock', 'show'], env);
    assert.equal(show.code, 0);
    assert.match(show.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z \(development mode, \d+ s ahead of real time\)\n$/);
    const advance = await runCli(['clock', 'advance', '4h'], env);
    assert.equal(advance.code, 0, advance.stderr);
    assert.match(advance.stdout, /^advanced by 4h: .*\(development mode, 14\d{3} s ahead of real time\)\n$/);

    const third = await runCli(['send', '--from', HANDSET, '--to', NUMBER, 'back'], env);
    assert.deepEqual([third.code, third.stdout], [0, 'Hello, thanks for the new message.\n']);

    const thread = await runCli(['thread', HANDSET], env);
    assert.equal(thread.code, 0);
    const lines = thread.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 6);
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d  \+15551230001 → \+15005550006  in   "hi"$/);
    assert.match(lines[1]!, /^\d\d:\d\d:\d\d  \+15005550006 → \+15551230001  out  "Hello, thanks for the new message\."$/);
    assert.match(lines[5]!, /out  "Hello, thanks for the new message\."$/);
    assert.doesNotMatch(thread.stdout, /\u001b\[/); // not a terminal: no colour

    const none = await runCli(['thread', '+15550000000'], env);
    assert.deepEqual([none.code, none.stdout], [0, 'no messages for +15550000000\n']);
  });

  test('numbers remove, then list is empty', async () => {
    const r = await runCli(['numbers', 'remove', NUMBER], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^removed \+15005550006 \(PN[0-9a-f]{32}\)\n$/);
    const list = await runCli(['numbers', 'list'], env);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^no numbers/);
  });
});

describe('parley nodes against a gateway alone', () => {
  test('says it runs alone; --json gives the route\'s null cluster', async () => {
    const text = await runCli(['nodes'], env);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, 'one node: this gateway runs alone on its database (SQLite), with no other nodes\n');
    const json = await runCli(['nodes', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { cluster: null });
  });

  test('the list of nodes is the default account\'s: a subaccount is refused (403, 20006)', async () => {
    const created = await fetch(`${parley.url}/2010-04-01/Accounts.json`, {
      method: 'POST', headers: { authorization: basicAuth(parley.account.sid, parley.account.authToken) }, body: new URLSearchParams({ FriendlyName: 'sub' }),
    });
    const sub = (await created.json()) as { sid: string; auth_token: string };
    const res = await fetch(`${parley.url}/parley/nodes`, { headers: { authorization: basicAuth(sub.sid, sub.auth_token) } });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { code: number }).code, 20006);
    const printed = await runCli(['nodes'], { ...env, PARLEY_ACCOUNT_SID: sub.sid, PARLEY_AUTH_TOKEN: sub.auth_token });
    assert.equal(printed.code, 1);
    assert.match(printed.stderr, /20006/);
  });
});

describe('failures of the operation (exit 1)', () => {
  test('bad credentials: one line with 20003', async () => {
    for (const args of [['numbers', 'list'], ['clock', 'show'], ['tail'], ['thread', HANDSET]]) {
      const r = await runCli(args, { ...env, PARLEY_AUTH_TOKEN: 'not-the-token' });
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /^parley: authentication failed at http:\/\/127\.0\.0\.1:\d+: check the account SID and auth token \(Twilio error 20003\)\n$/);
    }
  });

  test('unreachable Parley (a closed port): one clear line', async () => {
    const port = await freePort() /* nothing listens there */;
    for (const args of [['numbers', 'list'], ['send', '--from', HANDSET, '--to', NUMBER, 'hi'], ['clock', 'show'], ['tail']]) {
      const r = await runCli(args, { ...env, PARLEY_URL: `http://127.0.0.1:${port}` });
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, new RegExp(`^parley: cannot reach Parley at http://127\\.0\\.0\\.1:${port}: .+\\n$`));
    }
  });

  test('clock advance when Parley is not in development mode: 20004, says why', async () => {
    const prod = await start(false);
    try {
      const prodEnv = { ...env, PARLEY_URL: prod.url, PARLEY_ACCOUNT_SID: prod.account.sid, PARLEY_AUTH_TOKEN: prod.account.authToken };
      const r = await runCli(['clock', 'advance', '4h'], prodEnv);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^parley: The clock can only be moved in development mode \(parley serve --dev\)\. \(Twilio error 20004\)\n$/);
      const show = await runCli(['clock', 'show'], prodEnv);
      assert.equal(show.code, 0);
      assert.match(show.stdout, /\(system clock\)\n$/);
    } finally {
      await prod.stop();
    }
  });
});

