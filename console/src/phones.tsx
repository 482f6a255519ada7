// Phones: simulated handsets texting Parley numbers, with replies arriving live over server-sent
// events, status ticks and a segment counter while typing. The list holds every handset that has a
// conversation on the account (from the server, and live as new ones text or are texted) and the
// handsets added in this browser (kept in its localStorage, with their names).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, events, inOrder, type Message } from './api.js';
import { segmentInfo } from './segments.js';
import { Problem, Section, time, useData } from './ui.js';

interface Handset { number: string; name: string }
const KEY = 'parley.handsets';

function loadHandsets(): Handset[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? (parsed as Handset[]).filter((h) => typeof h.number === 'string') : [];
  } catch {
    return [];
  }
}

function useHandsets(): [Handset[], (next: Handset[]) => void] {
  const [list, setList] = useState(loadHandsets);
  useEffect(() => {
    const on = (e: StorageEvent): void => { if (e.key === KEY) setList(loadHandsets()); };
    addEventListener('storage', on);
    return () => removeEventListener('storage', on);
  }, []);
  return [list, (next) => { localStorage.setItem(KEY, JSON.stringify(next)); setList(next); }];
}

/** Handsets with a conversation on the account, most recent first; new ones join live. */
function useServerHandsets(): string[] {
  const [list, setList] = useState<string[]>([]);
  useEffect(() => {
    const merge = (found: string[]): void => setList((known) => [...found.filter((h) => !known.includes(h)), ...known]);
    const load = (): void => { api.conversations().then((cs) => merge([...new Set(cs.map((c) => c.handset))]), () => undefined); };
    load();
    return events(null, (type, data) => {
      if (type === 'open') return load();
      if (type !== 'message') return;
      const m = (data as { message: Message }).message;
      merge([m.direction === 'inbound' ? m.from : m.to]);
    });
  }, []);
  return list;
}

/** The Phones page: the simulator's handsets, or, when Parley runs without the simulator, why there are none. */
export function Phones(): preact.JSX.Element {
  const channels = useData(() => api.channels(), []);
  // Until the channels are known the handsets show, as they do on every Parley but one run with --carriers-only.
  if (channels.data && !channels.data.some((c) => c.type === 'simulator')) {
    return (
      <Section title="Phones">
        <p class="card empty" id="no-simulator">
          Parley runs with <code>--carriers-only</code>: no handset is simulated, and messages come from the carriers
          ({channels.data.map((c) => c.name).join(', ') || 'none configured'}). Real conversations are on the Messages and
          Conversations pages.
        </p>
      </Section>
    );
  }
  return <Handsets />;
}

function Handsets(): preact.JSX.Element {
  const [saved, setHandsets] = useHandsets();
  const server = useServerHandsets();
  const handsets: Array<Handset & { local: boolean }> = [
    ...saved.map((h) => ({ ...h, local: true })),
    ...server.filter((n) => !saved.some((h) => h.number === n)).map((n) => ({ number: n, name: n, local: false })),
  ];
  const [selected, setSelected] = useState<string | null>(null);
  const numbers = useData(() => api.numbers(), []);
  const [number, setNumber] = useState<string>('');
  const [draft, setDraft] = useState({ number: '', name: '' });
  const [problem, setProblem] = useState<string | null>(null);
  const handset = handsets.find((h) => h.number === selected) ?? handsets[0] ?? null;
  const parleyNumber = number || numbers.data?.[0]?.phone_number || '';

  const add = (e: Event): void => {
    e.preventDefault();
    const n = draft.number.replace(/[\s()-]/g, '');
    if (!/^\+[1-9]\d{6,14}$/.test(n)) return setProblem('A handset number is in E.164 form, like +15550001111.');
    if (saved.some((h) => h.number === n)) return setProblem(`${n} is already a handset.`);
    setProblem(null);
    setHandsets([...saved, { number: n, name: draft.name.trim() || n }]);
    setSelected(n);
    setDraft({ number: '', name: '' });
  };

  return (
    <Section title="Phones">
      <div class="phones">
        <aside class="card">
          <h2>Handsets</h2>
          <ul class="handsets">
            {handsets.map((h) => (
              <li key={h.number} class={`${h === handset ? 'current' : ''}${h.local ? '' : ' seen'}`}>
                <button class="link" onClick={() => setSelected(h.number)} aria-pressed={h === handset}>
                  {h.local ? <><strong>{h.name}</strong> <small>{h.number}</small></> : <><strong>{h.number}</strong> <small>on the account</small></>}
                </button>
                {h.local && <button class="icon" aria-label={`Remove ${h.name}`} title="Remove from this browser"
                  onClick={() => setHandsets(saved.filter((x) => x.number !== h.number))}>×</button>}
              </li>
            ))}
          </ul>
          <form onSubmit={add} class="stack">
            <label>Handset number<input value={draft.number} placeholder="+15550001111" onInput={(e) => setDraft({ ...draft, number: e.currentTarget.value })} /></label>
            <label>Name<input value={draft.name} placeholder="Alice" onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} /></label>
            <button type="submit">Add handset</button>
          </form>
          <Problem error={problem} />
        </aside>
        {handset && parleyNumber ? (
          <Chat key={`${handset.number} ${parleyNumber}`} handset={handset} number={parleyNumber}
            numbers={numbers.data?.map((n) => n.phone_number) ?? []} onNumber={setNumber} />
        ) : (
          <p class="card empty">{handset ? 'Create a number on the Numbers page first.' : 'Add a handset to start texting.'}</p>
        )}
      </div>
    </Section>
  );
}

function Chat({ handset, number, numbers, onNumber }: { handset: Handset; number: string; numbers: string[]; onNumber: (n: string) => void }): preact.JSX.Element {
  const [messages, setMessages] = useState<Message[]>([]);
  const [text, setText] = useState('');
  const [mediaUrl, setMediaUrl] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const refresh = (): void => { api.thread(handset.number, number).then(setMessages, (e: unknown) => setProblem(String(e))); };
    refresh();
    return events(handset.number, (type, data) => {
      if (type === 'open') return refresh(); // catch up on anything missed while (re)connecting
      if (type !== 'message') return;
      const m = (data as { message: Message }).message;
      if (m.from !== number && m.to !== number) return;
      setMessages((list) => {
        const i = list.findIndex((x) => x.sid === m.sid);
        if (i < 0) return inOrder([...list, m]);
        const copy = list.slice();
        copy[i] = m;
        return copy;
      });
    });
  }, [handset.number, number]);

  const info = useMemo(() => segmentInfo(text), [text]);
  const send = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!text.trim() && !mediaUrl.trim()) return;
    try {
      await api.send(handset.number, number, text, mediaUrl.trim());
      setText('');
      setMediaUrl('');
      setProblem(null);
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div class="chat card">
      <header class="chat-head">
        <strong>{handset.name}</strong>
        <label>to <select value={number} onChange={(e) => onNumber(e.currentTarget.value)} aria-label="Parley number">
          {numbers.map((n) => <option key={n} value={n}>{n}</option>)}
        </select></label>
      </header>
      <ol class="thread" aria-live="polite" aria-label="Messages">
        {messages.map((m) => <Bubble key={m.sid} m={m} mine={m.from === handset.number} />)}
      </ol>
      <form class="compose" onSubmit={send}>
        <textarea aria-label="Message" rows={2} value={text} placeholder="Text message"
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); void send(e); } }} />
        <button type="submit" disabled={!text.trim() && !mediaUrl.trim()}>Send</button>
        <input class="media-url" aria-label="Media URL" type="url" placeholder="Media URL (optional), e.g. https://…/cat.jpg"
          value={mediaUrl} onInput={(e) => setMediaUrl(e.currentTarget.value)} />
        <small class="counter" aria-live="polite">
          {info.encoding} · {info.units}/{info.segments > 1 ? info.perSegment * info.segments : info.perSegment} · {info.segments} segment{info.segments === 1 ? '' : 's'}
        </small>
      </form>
      <Problem error={problem} />
    </div>
  );
}

const TICKS: Record<string, string> = { queued: '…', accepted: '…', sending: '…', sent: '✓', received: '✓✓', delivered: '✓✓', read: '✓✓', failed: '⚠', undelivered: '⚠' };

function Bubble({ m, mine }: { m: Message; mine: boolean }): preact.JSX.Element {
  const [media, setMedia] = useState<Array<{ uri: string; content_type: string }>>([]);
  useEffect(() => {
    if (Number(m.num_media) > 0) api.media(m).then(setMedia, () => setMedia([]));
  }, [m.sid, m.num_media]);
  return (
    <li class={`bubble ${mine ? 'mine' : 'theirs'}`}>
      {m.body && <p>{m.body}</p>}
      {media.map((x) => x.content_type.startsWith('image/')
        ? <img key={x.uri} src={x.uri.replace(/\.json$/, '')} alt="Media" loading="lazy" />
        : <a key={x.uri} href={x.uri.replace(/\.json$/, '')}>{x.content_type}</a>)}
      <small class="meta">
        {time(m.date_created)} <span class={`tick ${m.status}`} title={m.status} aria-label={m.status}>{TICKS[m.status] ?? m.status}</span>
        {m.error_code !== null && <span class="err"> {m.error_code}</span>}
      </small>
    </li>
  );
}
