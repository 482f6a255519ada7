// Conversations: every (number, handset) pair, and one conversation's timeline of turns showing
// exactly what went over the wire: request, signature, cookies, response, TwiML steps, replies.
import { useEffect, useState } from 'preact/hooks';
import { api, events, getSession, type Cookie, type Exchange, type Turn } from './api.js';
import { ErrorCode, Problem, Section, href, left, time, useData } from './ui.js';
import { CopyAsTest } from './copy-test.js';

/** Reloads when the server reports activity. */
function useLive(reload: () => void): void {
  useEffect(() => events(null, (type) => { if (type !== 'open' && type !== 'message') reload(); }), []);
}

export function Conversations(): preact.JSX.Element {
  const list = useData(() => api.conversations(), []);
  useLive(list.reload);
  return (
    <Section title="Conversations">
      <Problem error={list.error} />
      <table>
        <thead><tr><th>Number</th><th>Handset</th><th>Last activity</th><th>Cookies expire in</th><th>Cookies</th></tr></thead>
        <tbody>
          {list.data?.map((c) => (
            <tr key={c.id}>
              <td><a href={href('conversations', c.number, c.handset)}>{c.number}</a></td>
              <td>{c.handset}</td>
              <td>{time(c.last_activity)}</td>
              <td>{left(c.seconds_until_expiry)}</td>
              <td>{c.cookies.length}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.length === 0 && <p class="empty">No conversations yet: text a number from the Phones page.</p>}
    </Section>
  );
}

export function ConversationDetail({ number, handset }: { number: string; handset: string }): preact.JSX.Element {
  const conversation = useData(() => api.conversation(number, handset), [number, handset]);
  const turns = useData(async () => {
    const thread = await api.thread(handset, number);
    const inbound = thread.filter((m) => m.direction === 'inbound').slice(-30);
    return Promise.all(inbound.map((m) => api.turn(m.sid)));
  }, [number, handset]);
  const session = useData(() => getSession(), []);
  const [advance, setAdvance] = useState('4h');
  const [asTest, setAsTest] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const reload = (): void => { conversation.reload(); turns.reload(); };
  useLive(reload);
  const act = (work: Promise<unknown>): void => { work.then(() => { setProblem(null); reload(); }, (e: unknown) => setProblem(String(e instanceof Error ? e.message : e))); };
  const c = conversation.data;

  return (
    <Section title={`${number} ↔ ${handset}`} actions={<>
      <button onClick={() => setAsTest(true)} aria-expanded={asTest}>Copy as a test</button>
      <a href={`#/messages?${new URLSearchParams({ Number: number, Handset: handset }).toString()}`}>Messages</a>
      <button onClick={() => act(api.forget(number, handset))}>Forget cookies</button>
      {session.data?.dev && (
        <form class="inline" onSubmit={(e) => { e.preventDefault(); act(api.advance(advance)); }}>
          <label>Advance clock by <input size={4} value={advance} onInput={(e) => setAdvance(e.currentTarget.value)} /></label>
          <button type="submit">Advance clock</button>
        </form>
      )}
    </>}>
      <Problem error={problem ?? conversation.error ?? turns.error} />
      {asTest && <CopyAsTest number={number} handset={handset} onClose={() => setAsTest(false)} />}
      {c && (
        <div class="card">
          <p>Last activity {time(c.last_activity)} · cookies {c.seconds_until_expiry > 0 ? 'expire in ' : ''}<strong class="expiry">{left(c.seconds_until_expiry)}</strong></p>
          <h2>Cookie jar</h2>
          <Jar cookies={c.cookies} />
        </div>
      )}
      <ol class="timeline">
        {turns.data?.map((t) => <li key={t.message.sid}><TurnView turn={t} /></li>)}
      </ol>
    </Section>
  );
}

export function TurnPage({ sid }: { sid: string }): preact.JSX.Element {
  const turn = useData(() => api.turn(sid), [sid]);
  return (
    <Section title={`Turn ${sid}`}>
      <Problem error={turn.error} />
      {turn.data && <>
        <p><a href={href('conversations', turn.data.message.to, turn.data.message.from)}>Open the conversation</a></p>
        <TurnView turn={turn.data} />
      </>}
    </Section>
  );
}

export function TurnView({ turn }: { turn: Turn }): preact.JSX.Element {
  const m = turn.message;
  return (
    <article class="turn card" id={m.sid}>
      <header>
        <span class="badge in">inbound</span> <strong>“{m.body}”</strong> <small>{m.from} → {m.to} · {time(m.date_created)} · <a href={href('message', m.sid)}>{m.sid}</a></small>
        {turn.turn.error_code !== null && <p class="problem">Error <ErrorCode code={turn.turn.error_code} />: {turn.turn.error_message}</p>}
      </header>
      {turn.exchanges.map((x) => <ExchangeView key={x.sid} x={x} />)}
      {turn.replies.length > 0 && (
        <div class="replies">
          <h3>Replies</h3>
          <ul>{turn.replies.map((r) => <li key={r.sid}><span class="badge out">reply</span> “{r.body}” <span class={`status ${r.status}`}>{r.status}</span></li>)}</ul>
        </div>
      )}
      {turn.turn.status === 'pending' && <p class="empty">Turn in progress…</p>}
    </article>
  );
}

function headerLines(headers: Record<string, string | string[]>): string {
  return Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}: ${x}`)).join('\n');
}

export function ExchangeView({ x }: { x: Exchange }): preact.JSX.Element {
  const cookie = x.request.headers['cookie'] ?? x.request.headers['Cookie'];
  const setCookie = x.response && Object.entries(x.response.headers).filter(([k]) => k.toLowerCase() === 'set-cookie').flatMap(([, v]) => (Array.isArray(v) ? v : [v]));
  return (
    <div class="exchange">
      <h3>Webhook <span class="badge">{x.purpose}</span> <code>{x.request.method} {x.request.url}</code></h3>
      <dl class="kv">
        <dt>Cookie</dt><dd><code class="cookie-header">{cookie ?? '(none)'}</code></dd>
        <dt>Signature</dt><dd><code>{x.request.signature}</code></dd>
        <dt>Signed string</dt><dd><code class="wrap">{x.request.signedString}</code></dd>
      </dl>
      <details><summary>Parameters ({x.request.params.length})</summary>
        <table class="params"><tbody>{x.request.params.map(([k, v], i) => <tr key={i}><th>{k}</th><td>{v}</td></tr>)}</tbody></table>
      </details>
      <details><summary>Request headers</summary><pre>{headerLines(x.request.headers)}</pre></details>
      {x.response ? (
        <>
          <h3>Response <span class={`http s${Math.floor(x.response.status / 100)}`}>{x.response.status}</span> <small>in {x.response.durationMs} ms</small></h3>
          <dl class="kv"><dt>Set-Cookie</dt><dd><code class="set-cookie">{setCookie && setCookie.length > 0 ? setCookie.join('\n') : '(none)'}</code></dd></dl>
          <details><summary>Response headers</summary><pre>{headerLines(x.response.headers)}</pre></details>
          <pre class="body">{prettyXml(x.response.body)}</pre>
        </>
      ) : <h3>No response</h3>}
      {x.errorCode !== null && <p class="problem">Error <ErrorCode code={x.errorCode} />: {x.errorMessage}</p>}
      {x.steps.length > 0 && <p>Steps: {x.steps.map((s, i) => <code key={i} class="step">{s}</code>)}</p>}
      <div class="jars">
        <div><h4>Jar before</h4><Jar cookies={x.jarBefore} /></div>
        <div><h4>Jar after</h4><Jar cookies={x.jarAfter} /></div>
      </div>
    </div>
  );
}

export function Jar({ cookies }: { cookies: Cookie[] }): preact.JSX.Element {
  if (cookies.length === 0) return <p class="empty">(empty)</p>;
  return (
    <table class="jar">
      <thead><tr><th>Name</th><th>Value</th><th>Domain</th><th>Path</th><th>Expires</th></tr></thead>
      <tbody>{cookies.map((c) => <tr key={`${c.domain}${c.path}${c.name}`}><td>{c.name}</td><td class="wrap">{c.value}</td><td>{c.domain}</td><td>{c.path}</td><td>{c.expires ?? 'session'}</td></tr>)}</tbody>
    </table>
  );
}

/** Indents XML (TwiML) for reading; anything that is not XML is shown as it came. */
export function prettyXml(body: string): string {
  const text = body.trim();
  if (!text.startsWith('<')) return body;
  let depth = 0;
  return text.replace(/>\s*</g, '>\n<').split('\n').map((line) => {
    if (/^<\//.test(line)) depth = Math.max(0, depth - 1);
    const out = '  '.repeat(depth) + line;
    if (/^<[^!?/][^>]*[^/]>$/.test(line) && !/<\/[^>]+>$/.test(line)) depth += 1;
    return out;
  }).join('\n');
}
