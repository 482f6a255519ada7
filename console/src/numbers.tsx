// Numbers: create, edit and delete Parley numbers and short codes and their webhooks, through the REST API.
import { useState } from 'preact/hooks';
import { api, type PhoneNumber } from './api.js';
import { Problem, Section, useData } from './ui.js';

const METHODS = ['POST', 'GET'];
const EMPTY = { PhoneNumber: '', IsoCountry: '', FriendlyName: '', SmsUrl: '', SmsMethod: 'POST', SmsFallbackUrl: '', StatusCallback: '' };
type Form = typeof EMPTY;

export function Numbers(): preact.JSX.Element {
  const list = useData(() => api.numbers(), []);
  const [editing, setEditing] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const run = (work: Promise<unknown>, then?: () => void): void => {
    work.then(() => { setProblem(null); then?.(); list.reload(); }, (e: unknown) => setProblem(e instanceof Error ? e.message : String(e)));
  };
  return (
    <Section title="Numbers">
      <Problem error={problem ?? list.error} />
      <div class="numbers">
        {list.data?.map((n) => editing === n.sid
          ? <NumberForm key={n.sid} initial={fromNumber(n)} label="Save" onCancel={() => setEditing(null)}
              onSubmit={(f) => run(api.updateNumber(n.sid, withoutNumber(f)), () => setEditing(null))} />
          : (
            <article key={n.sid} class="card number">
              <h2>{n.friendly_name} <small>{n.phone_number}</small></h2>
              <dl class="kv">
                <dt>SMS webhook</dt><dd><code>{n.sms_method} {n.sms_url || '(none)'}</code></dd>
                {n.sms_fallback_url && <><dt>Fallback</dt><dd><code>{n.sms_fallback_method} {n.sms_fallback_url}</code></dd></>}
                {n.sid.startsWith('SC') && <><dt>Type</dt><dd>short code</dd></>}
                {n.status_callback && <><dt>Status callback</dt><dd><code>{n.status_callback}</code></dd></>}
              </dl>
              <button onClick={() => setEditing(n.sid)}>Edit</button>{' '}
              <button class="danger" onClick={() => { if (confirm(`Delete ${n.phone_number}?`)) run(api.deleteNumber(n.sid)); }}>Delete</button>
            </article>
          ))}
      </div>
      <h2>New number</h2>
      <NumberForm initial={EMPTY} label="Create number" create onSubmit={(f) => run(api.createNumber(f))} />
    </Section>
  );
}

const fromNumber = (n: PhoneNumber): Form => ({
  PhoneNumber: n.phone_number, IsoCountry: '', FriendlyName: n.friendly_name, SmsUrl: n.sms_url, SmsMethod: n.sms_method || 'POST',
  SmsFallbackUrl: n.sms_fallback_url, StatusCallback: n.status_callback,
});
const withoutNumber = (f: Record<string, string>): Record<string, string> => {
  // The address and a short code's country are given when it is made; they do not change.
  const { PhoneNumber: _number, IsoCountry: _country, ...rest } = f;
  return rest;
};

function NumberForm({ initial, label, create, onSubmit, onCancel }: {
  initial: Form; label: string; create?: boolean; onSubmit: (f: Record<string, string>) => void; onCancel?: () => void;
}): preact.JSX.Element {
  const [f, setF] = useState(initial);
  const field = (key: keyof Form, text: string, placeholder = ''): preact.JSX.Element => (
    <label>{text}<input name={key} value={f[key]} placeholder={placeholder} onInput={(e) => setF({ ...f, [key]: e.currentTarget.value })} /></label>
  );
  return (
    <form class="card grid-form" onSubmit={(e) => {
      e.preventDefault();
      // Empty fields are left out on create; on edit they clear the value.
      onSubmit(Object.fromEntries(Object.entries(f).filter(([, v]) => !create || v !== '')));
      if (create) setF(EMPTY);
    }}>
      {create && field('PhoneNumber', 'Phone number or short code', '+15005550007 or 12345')}
      {create && field('IsoCountry', "Short code's country", 'US')}
      {field('FriendlyName', 'Friendly name')}
      {field('SmsUrl', 'SMS webhook URL', 'http://127.0.0.1:1337/sms')}
      <label>Method<select name="SmsMethod" value={f.SmsMethod} onChange={(e) => setF({ ...f, SmsMethod: e.currentTarget.value })}>
        {METHODS.map((m) => <option key={m}>{m}</option>)}
      </select></label>
      {field('SmsFallbackUrl', 'Fallback URL')}
      {field('StatusCallback', 'Status callback URL')}
      <div class="buttons"><button type="submit">{label}</button>{onCancel && <button type="button" onClick={onCancel}>Cancel</button>}</div>
    </form>
  );
}
