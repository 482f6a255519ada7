// Messages: the message log (Twilio's Messaging Logs). Every message of the account, both
// directions, filtered by Parley number, handset, direction, status and date range, paged as
// Twilio pages (next/previous page URIs), and kept live: the first page reloads on new messages,
// rows on other pages take their new status. The filters live in the URL (#/messages?Status=failed).
import { useEffect, useState } from 'preact/hooks';
import { api, events, type LogPage, type Message } from './api.js';
import { ErrorCode, Problem, Section, href, time, useData } from './ui.js';

const DIRECTIONS = [['', 'Any direction'], ['inbound', 'Inbound'], ['outbound', 'Outbound (all)'], ['outbound-api', 'Outbound API'], ['outbound-reply', 'Outbound reply']];
const STATUSES = ['queued', 'accepted', 'scheduled', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'received', 'canceled', 'read'];
const FIELDS = ['Number', 'Handset', 'Direction', 'Status', 'From', 'To', 'PageSize'] as const;
type Filters = Record<(typeof FIELDS)[number], string>;

function filtersFromHash(): Filters {
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const filters = Object.fromEntries(FIELDS.map((f) => [f, query.get(f) ?? ''])) as Filters;
  if (!filters.PageSize) filters.PageSize = '50';
  return filters;
}

/** `datetime-local` values are the browser's local time; Parley takes ISO 8601 (UTC). */
function queryOf(f: Filters): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(f)) {
    if (!value) continue;
    if (name === 'From') query.set('DateSent>', new Date(value).toISOString());
    else if (name === 'To') query.set('DateSent<', new Date(value).toISOString());
    else query.set(name, value);
  }
  return `?${query.toString()}`;
}

export function Messages(): preact.JSX.Element {
  const [filters, setFilters] = useState<Filters>(filtersFromHash);
  const [pageUri, setPageUri] = useState<string | null>(null); // null: the first page of the filters
  const numbers = useData(() => api.numbers(), []);
  const page = useData(() => api.log(pageUri ?? queryOf(filters)), [pageUri, filters]);
  const [rows, setRows] = useState<Message[]>([]);
  useEffect(() => { if (page.data) setRows(page.data.messages); }, [page.data]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = events(null, (type, data) => {
      if (type !== 'message') return;
      const m = (data as { message: Message }).message;
      setRows((list) => list.map((x) => (x.sid === m.sid ? m : x)));
      // A new message belongs on the first page (the log is newest first): read it again, once
      // for a burst of events.
      if (pageUri === null && timer === undefined) timer = setTimeout(() => { timer = undefined; page.reload(); }, 150);
    });
    return () => { off(); clearTimeout(timer); };
  }, [pageUri, filters]);

  const set = (name: keyof Filters, value: string): void => {
    const next = { ...filters, [name]: value };
    setFilters(next);
    setPageUri(null);
    const shown = Object.entries(next).filter(([k, v]) => v !== '' && !(k === 'PageSize' && v === '50'));
    history.replaceState(null, '', `#/messages${shown.length > 0 ? `?${new URLSearchParams(shown).toString()}` : ''}`);
  };

  return (
    <Section title="Messages">
      <form class="filters card" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>Parley number
          <select value={filters.Number} onChange={(e) => set('Number', e.currentTarget.value)}>
            <option value="">Any number</option>
            {numbers.data?.map((n) => <option key={n.sid} value={n.phone_number}>{n.phone_number}</option>)}
          </select>
        </label>
        <label>Handset<input value={filters.Handset} placeholder="+15550001111" onChange={(e) => set('Handset', e.currentTarget.value.trim())} /></label>
        <label>Direction
          <select value={filters.Direction} onChange={(e) => set('Direction', e.currentTarget.value)}>
            {DIRECTIONS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
        <label>Status
          <select value={filters.Status} onChange={(e) => set('Status', e.currentTarget.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>Sent from<input type="datetime-local" step="1" value={filters.From} onChange={(e) => set('From', e.currentTarget.value)} /></label>
        <label>Sent before<input type="datetime-local" step="1" value={filters.To} onChange={(e) => set('To', e.currentTarget.value)} /></label>
        <label>Per page
          <select value={filters.PageSize} onChange={(e) => set('PageSize', e.currentTarget.value)}>
            {['20', '50', '100', '500'].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
      </form>
      <Problem error={page.error} />
      <table class="log">
        <thead><tr><th>Sent</th><th>Direction</th><th>From</th><th>To</th><th>Body</th><th>Status</th><th>Segments</th><th>Error</th></tr></thead>
        <tbody>
          {rows.map((m) => (
            <tr key={m.sid}>
              <td><a href={href('message', m.sid)}>{time(m.date_sent ?? m.date_created)}</a></td>
              <td><span class={`badge ${m.direction === 'inbound' ? 'in' : 'out'}`}>{m.direction}</span></td>
              <td>{m.from}</td>
              <td>{m.to}</td>
              <td class="body-cell">{m.body || (Number(m.num_media) > 0 ? `(${m.num_media} media)` : '')}</td>
              <td><span class={`status ${m.status}`}>{m.status}</span></td>
              <td>{m.num_segments}</td>
              <td>{m.error_code !== null && <ErrorCode code={m.error_code} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data && rows.length === 0 && <p class="empty">No messages match these filters.</p>}
      <Pager page={page.data} onPage={setPageUri} />
    </Section>
  );
}

function Pager({ page, onPage }: { page: LogPage | null; onPage: (uri: string | null) => void }): preact.JSX.Element | null {
  if (!page) return null;
  const shown = page.messages.length === 0 ? '0' : `${page.start + 1}–${page.end + 1}`;
  return (
    <nav class="pager" aria-label="Pages">
      <button disabled={page.previous_page_uri === null} onClick={() => onPage(page.page <= 1 ? null : page.previous_page_uri)}>Previous</button>
      <span>Page {page.page + 1} · messages {shown}</span>
      <button disabled={page.next_page_uri === null} onClick={() => onPage(page.next_page_uri)}>Next</button>
    </nav>
  );
}
