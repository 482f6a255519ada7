/**
 * The stages of a turn (the budget table of bench/README.md), as rules on the frames of a V8
 * profile's stack: a `--cpu-prof` CPU profile (bench/profile-stages.ts) or a sampling heap profile
 * of allocations (bench/counts.ts `--what=allocations`). A sample goes to the first stage whose rule
 * matches a frame of its stack, leaf first, so the native work a JS function starts (a SQLite
 * statement, a socket write) counts for the stage of that function.
 */

export interface Frame { functionName: string; url: string; lineNumber: number }

/** Stage rules, tried on each frame from the leaf to the root; the first that matches wins. */
const STAGES: ReadonlyArray<[string, (f: Frame) => boolean]> = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['socket writes (writev/write syscalls)', (f) => f.url === '' && /^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/.test(f.functionName)],
  ['store: BEGIN/COMMIT (WAL frames)', (f) => /stores\/(sqlite|postgres)\/group-commit/.test(f.url)],
  ['store: statements and rows', (f) => /stores\/(sqlite|postgres)\/|better-sqlite3|node_modules\/pg/.test(f.url)],
  ['events and the SSE stream', (f) => /routes\/events|events\/bus|events\/relay|metrics\/|logging\/events/.test(f.url)],
  ['webhook: signature, token, parameters', (f) => /webhooks\/(signature|params)/.test(f.url)],
  ['webhook: HTTP client (own for http:, undici for https:)', (f) => /undici|webhooks\/(client|plain-http|response-parser|response-reader)/.test(f.url)],
  ['cookie jar', (f) => /tough-cookie|cookies\/jar/.test(f.url)],
  ['TwiML', (f) => /twiml\//.test(f.url) || /fast-xml-parser/.test(f.url)],
  ['phone numbers (libphonenumber)', (f) => /libphonenumber/.test(f.url)],
  ['inbound HTTP (fastify, routes, form, auth, JSON)', (f) => /fastify|formbody|find-my-way|light-my-request|src\/http\/|node:_http_server|node:_http_incoming/.test(f.url)],
  ['channel, delivery, status callbacks', (f) => /channels\/|delivery\/|status-callbacks/.test(f.url)],
  ['turn logic (gateway, scheduler, documents)', (f) => /gateway\/|conversations\/|messages\/|ids\//.test(f.url)],
  ['node internals (streams, timers, promises)', (f) => f.url.startsWith('node:') || f.functionName === 'runMicrotasks' || f.functionName === '(program)'],
];

/**
 * A classifier of a profile's nodes by stage, remembered per node. Parley's and the libraries'
 * rules go first, all the way up the stack: node's own frames (streams, timers) count only when
 * nothing above them is known, so a stream write that fastify's reply started is the inbound HTTP's.
 */
export function stageClassifier(frameOf: (id: number) => Frame, parentOf: (id: number) => number | undefined): (id: number) => string {
  const known = new Map<number, string>();
  return (id) => {
    const remembered = known.get(id);
    if (remembered) return remembered;
    let stage = 'other';
    for (const rules of [STAGES.slice(0, -1), STAGES.slice(-1)]) {
      for (let at: number | undefined = id; at !== undefined && stage === 'other'; at = parentOf(at)) {
        const frame = frameOf(at);
        const rule = rules.find(([, match]) => match(frame));
        if (rule) stage = rule[0];
      }
      if (stage !== 'other') break;
    }
    known.set(id, stage);
    return stage;
  };
}
