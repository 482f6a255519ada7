/**
 * `node dist/bench/profile-stages.js FILE.cpuprofile [--from=S] [--to=S] [--turns=N]`: a gateway's
 * `--cpu-prof` profile cut into the stages of a turn (the budget table of bench/README.md), from its
 * start second `--from` to `--to`. Each sample goes to the first stage whose rule matches a frame
 * of its stack, leaf first, so the native work a JS function starts (a SQLite statement, a socket
 * write) counts for the stage of that function; node's own frames count last. With `--turns` (the turns completed in that window)
 * it also prints µs per turn.
 */
import { readFileSync } from 'node:fs';

interface Frame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: Frame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Stage rules, tried on each frame from the leaf to the root; the first that matches wins. */
const STAGES: ReadonlyArray<[string, (f: Frame) => boolean]> = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['socket writes (writev/write syscalls)', (f) => f.url === '' && /^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/.test(f.functionName)],
  ['store: BEGIN/COMMIT (WAL frames)', (f) => /stores\/(sqlite|postgres)\/group-commit/.test(f.url)],
  ['store: statements and rows', (f) => /stores\/(sqlite|postgres)\/|better-sqlite3|node_modules\/pg/.test(f.url)],
  ['events and the SSE stream', (f) => /routes\/events|events\/bus|events\/relay|metrics\/|logging\/events/.test(f.url)],
  ['webhook: signature, token, parameters', (f) => /webhooks\/(signature|params)/.test(f.url)],
  ['webhook: HTTP client (undici)', (f) => /undici|webhooks\/client/.test(f.url)],
  ['cookie jar', (f) => /tough-cookie|cookies\/jar/.test(f.url)],
  ['TwiML', (f) => /twiml\//.test(f.url) || /fast-xml-parser/.test(f.url)],
  ['phone numbers (libphonenumber)', (f) => /libphonenumber/.test(f.url)],
  ['inbound HTTP (fastify, routes, form, auth, JSON)', (f) => /fastify|formbody|find-my-way|light-my-request|src\/http\/|node:_http_server|node:_http_incoming/.test(f.url)],
  ['channel, delivery, status callbacks', (f) => /channels\/|delivery\/|status-callbacks/.test(f.url)],
  ['turn logic (gateway, scheduler, documents)', (f) => /gateway\/|conversations\/|messages\/|ids\//.test(f.url)],
  ['node internals (streams, timers, promises)', (f) => f.url.startsWith('node:') || f.functionName === 'runMicrotasks' || f.functionName === '(program)'],
];

function main(): void {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-stages.js FILE.cpuprofile [--from=S] [--to=S] [--turns=N]\n');
    process.exit(2);
  }
  const option = (name: string): number | undefined => {
    const value = rest.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    return value === undefined ? undefined : Number(value);
  };
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = stageOf.get(id);
    if (known) return known;
    // Parley's and the libraries' rules first, all the way up the stack: node's own frames (streams,
    // timers) count only when nothing above them is known, so a stream write that fastify's reply
    // started is the inbound HTTP's.
    let stage = 'other';
    for (const rules of [STAGES.slice(0, -1), STAGES.slice(-1)]) {
      for (let at: number | undefined = id; at !== undefined && stage === 'other'; at = parent.get(at)) {
        const frame = byId.get(at)!.callFrame;
        const rule = rules.find(([, match]) => match(frame));
        if (rule) stage = rule[0];
      }
      if (stage !== 'other') break;
    }
    stageOf.set(id, stage);
    return stage;
  };
  const from = (option('from') ?? 0) * 1e6;
  const to = (option('to') ?? Number.POSITIVE_INFINITY) * 1e6;
  const totals = new Map<string, number>();
  let clock = 0;
  let window = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    clock += delta;
    if (clock < from || clock > to) return;
    window += delta;
    const stage = classify(id);
    totals.set(stage, (totals.get(stage) ?? 0) + delta);
  });
  const busy = window - (totals.get('idle') ?? 0);
  const turns = option('turns');
  console.log(`window ${(window / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s (${((100 * busy) / Math.max(1, window)).toFixed(0)} %)${turns ? `, ${turns} turns` : ''}`);
  for (const [stage, us] of [...totals].sort((a, b) => b[1] - a[1])) {
    if (stage === 'idle') continue;
    const perTurn = turns ? `  ${(us / turns).toFixed(1).padStart(7)} µs/turn` : '';
    console.log(`  ${((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5)} % of busy${perTurn}  ${stage}`);
  }
}

main();
