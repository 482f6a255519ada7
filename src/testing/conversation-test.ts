/**
 * "Copy as a test": turns a conversation Parley recorded into a ready test file for the harness,
 * for node's test runner or Vitest. The file texts the app each inbound message of the
 * conversation again, in order, and asserts the replies the app gave then; a turn that failed
 * asserts its Twilio error code instead.
 *
 * Time: the gap before each message (since the conversation's previous one, in either direction;
 * replies count with their turn) is replayed as `gateway.clock.advance(...)` when it is at least REPLAY_GAP_MS, rounded
 * up to the whole second, so a wait that crossed the session TTL or a cookie's Max-Age (a developer
 * who pressed "Advance clock 4h", say) crosses it again. Shorter gaps are typing time and are not
 * replayed: the replay runs them back to back.
 */
import type { MessageRecord } from '../stores/records.js';
import { formatDurationParts } from '../config/duration.js';

/** The package apps install Parley under; the generated file imports `<name>/testing`. */
export const PACKAGE_NAME = 'parley-sms';

/** A quiet spell at least this long before an inbound message becomes an explicit clock advance. */
export const REPLAY_GAP_MS = 60_000;

export type TestRunner = 'node' | 'vitest';

export interface ConversationTestInput {
  number: string;
  handset: string;
  /** The conversation's messages, both directions, oldest first. */
  messages: readonly MessageRecord[];
  /** The number's webhook when the test was copied (the default for `SMS_URL`). */
  smsUrl: string;
  smsMethod: 'GET' | 'POST';
  sessionTtlMs: number;
}

export type ReplayStep =
  | { kind: 'advance'; ms: number }
  | { kind: 'turn'; inbound: MessageRecord; replies: MessageRecord[] }
  | { kind: 'other'; message: MessageRecord };

/**
 * The conversation as what the replay does: advances, turns (an inbound and its replies), and
 * outbound messages it only mentions. With a session TTL under a minute, a gap as long as the TTL
 * is replayed too, so the jar expires in the replay where it expired then.
 */
export function replaySteps(messages: readonly MessageRecord[], sessionTtlMs: number): ReplayStep[] {
  const threshold = Math.min(REPLAY_GAP_MS, sessionTtlMs);
  const steps: ReplayStep[] = [];
  const turns = new Map<string, Extract<ReplayStep, { kind: 'turn' }>>();
  let previous: number | null = null;
  for (const m of messages) {
    const turn = m.inboundSid === null ? undefined : turns.get(m.inboundSid);
    if (turn) turn.replies.push(m); // a reply is part of its turn: no advance inside one
    else {
      const gap = previous === null ? 0 : m.dateCreated - previous;
      if (gap >= threshold) steps.push({ kind: 'advance', ms: Math.ceil(gap / 1000) * 1000 });
      if (m.direction === 'inbound') {
        const opened = { kind: 'turn' as const, inbound: m, replies: [] as MessageRecord[] };
        turns.set(m.sid, opened);
        steps.push(opened);
      } else steps.push({ kind: 'other', message: m });
    }
    previous = previous === null ? m.dateCreated : Math.max(previous, m.dateCreated);
  }
  for (const turn of turns.values()) turn.replies.sort((a, b) => (a.replySeq ?? 0) - (b.replySeq ?? 0));
  return steps;
}

const js = (value: string): string => JSON.stringify(value);
const list = (values: readonly string[]): string => `[${values.map(js).join(', ')}]`;

/** `4 h 1 s`, for the comments. */
function spoken(ms: number): string {
  const s = Math.round(ms / 1000);
  const parts = [[Math.floor(s / 86_400), 'd'], [Math.floor((s % 86_400) / 3600), 'h'], [Math.floor((s % 3600) / 60), 'min'], [s % 60, 's']] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}`);
  return shown.length > 0 ? shown.join(' ') : '0 s';
}

function utc(ms: number): string {
  return new Date(ms).toISOString().replace(/:\d{2}\.\d{3}Z$/, ' UTC').replace('T', ' ');
}

/** The lines of the test's body (without indentation), for either runner. */
function bodyLines(steps: ReplayStep[], runner: TestRunner): string[] {
  const equal = (actual: string, expected: string): string =>
    runner === 'node' ? `assert.deepEqual(${actual}, ${expected});` : `expect(${actual}).toEqual(${expected});`;
  const same = (actual: string, expected: string): string =>
    runner === 'node' ? `assert.equal(${actual}, ${expected});` : `expect(${actual}).toBe(${expected});`;
  const lines: string[] = [];
  let failures = 0;
  for (const step of steps) {
    if (step.kind === 'advance') {
      lines.push(`await gateway.clock.advance(${js(formatDurationParts(step.ms))}); // ${spoken(step.ms)} passed here`);
    } else if (step.kind === 'other') {
      const m = step.message;
      const how = m.direction === 'outbound-api' ? 'through the REST API' : 'outside a turn';
      lines.push(`// ${m.from} sent ${js(m.body)} ${how} here (not replayed: it is not a reply to a message)`);
    } else {
      const { inbound, replies } = step;
      const media = inbound.media.length > 0 ? `, { media: ${list(inbound.media.map((x) => x.url))} }` : '';
      const bodies = list(replies.map((r) => r.body));
      if (inbound.errorCode === null) {
        lines.push(equal(`await say(${js(inbound.body)}${media})`, bodies));
      } else {
        const name = `failed${++failures === 1 ? '' : failures}`;
        lines.push(`const ${name} = await phone.turn(${js(inbound.body)}, { to: NUMBER${media ? `, media: ${list(inbound.media.map((x) => x.url))}` : ''} });`);
        lines.push(`${same(`${name}.errorCode`, String(inbound.errorCode))} // ${inbound.errorMessage ?? 'the turn failed'}`);
        lines.push(equal(`${name}.replies.map((reply) => reply.body)`, bodies));
      }
    }
  }
  return lines;
}

/** The whole test file. */
export function conversationTest(input: ConversationTestInput, runner: TestRunner): string {
  const steps = replaySteps(input.messages, input.sessionTtlMs);
  const turns = steps.filter((s) => s.kind === 'turn').length;
  const first = input.messages[0];
  const last = input.messages[input.messages.length - 1];
  const span = first && last ? `, ${utc(first.dateCreated)} to ${utc(last.dateCreated)}` : '';
  const fileName = `conversation-${input.handset.replace(/\D/g, '')}.test.mjs`;
  const run = runner === 'node' ? `node --test ${fileName}` : `npx vitest run ${fileName}`;
  const hooks = runner === 'node' ? ['before', 'after'] : ['beforeAll', 'afterAll'];
  const imports = runner === 'node'
    ? [`import { after, before, test } from 'node:test';`, `import assert from 'node:assert/strict';`]
    : [`import { afterAll, beforeAll, expect, test } from 'vitest';`];
  const body = bodyLines(steps, runner).map((line) => `  ${line}`);
  return [
    `// ${input.handset} texting ${input.number} (${turns} message${turns === 1 ? '' : 's'}${span}), replayed by Parley's harness`,
    `// (${runner === 'node' ? 'node:test' : 'Vitest'}; made with the console's "Copy as a test"). Start your app, then run, for example:`,
    `//   SMS_URL=http://127.0.0.1:1337/sms PARLEY_AUTH_TOKEN=<the token your app checks signatures with> ${run}`,
    `// Pauses of ${spoken(REPLAY_GAP_MS)} or more became clock advances (rounded up to the second); shorter ones were typing.`,
    ...imports,
    `import { startTestGateway } from '${PACKAGE_NAME}/testing';`,
    '',
    `const NUMBER = ${js(input.number)};`,
    `const HANDSET = ${js(input.handset)};`,
    `const SMS_URL = process.env.SMS_URL ?? ${js(input.smsUrl)}; // the number's webhook when this was copied`,
    'let gateway;',
    '',
    `${hooks[0]}(async () => {`,
    '  gateway = await startTestGateway({',
    `    sessionTtl: ${js(formatDurationParts(input.sessionTtlMs))},`,
    '    accountSid: process.env.PARLEY_ACCOUNT_SID, // the credentials your app checks webhooks with (default: generated)',
    '    authToken: process.env.PARLEY_AUTH_TOKEN,',
    '  });',
    `  await gateway.numbers.create({ phoneNumber: NUMBER, smsUrl: SMS_URL, smsMethod: ${js(input.smsMethod)} });`,
    '});',
    '',
    `${hooks[1]}(() => gateway.stop());`,
    '',
    `test(${js(`${input.handset} and ${input.number}: the app answers as it did`)}, async () => {`,
    '  const phone = gateway.handset(HANDSET);',
    '  const say = async (text, options = {}) => (await phone.send(text, { to: NUMBER, ...options })).map((reply) => reply.body);',
    '',
    ...body,
    runner === 'node' ? '});' : '}, 60_000);',
    '',
  ].join('\n');
}
