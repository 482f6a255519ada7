// Account: the SID and auth token, and how to point the official Twilio libraries at this Parley.
import { useState } from 'preact/hooks';
import { getSession } from './api.js';
import { Problem, Section, useData } from './ui.js';

export function Account(): preact.JSX.Element {
  const session = useData(() => getSession(), []);
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState('');
  const s = session.data;
  const base = location.origin;
  const copy = (label: string, text: string): void => {
    void navigator.clipboard?.writeText(text).then(() => setCopied(label), () => setCopied(''));
  };
  if (!s) return <Section title="Account"><Problem error={session.error} /></Section>;
  const snippets: Array<[string, string]> = [
    ['twilio-node', `const client = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN);\nclient.api.baseUrl = '${base}';`],
    ['twilio-python', `client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])\nclient.api.base_url = "${base}"`],
    ['twilio-ruby', `client = Twilio::REST::Client.new(ENV["TWILIO_ACCOUNT_SID"], ENV["TWILIO_AUTH_TOKEN"])\nclient.api.instance_variable_set(:@base_url, "${base}")`],
    ['environment', `export TWILIO_ACCOUNT_SID=${s.account_sid}\nexport TWILIO_AUTH_TOKEN=<the auth token above>`],
  ];
  return (
    <Section title="Account">
      <div class="card">
        <dl class="kv">
          <dt>Account SID</dt><dd><code id="account-sid">{s.account_sid}</code> <button onClick={() => copy('sid', s.account_sid)}>Copy</button></dd>
          <dt>Auth token</dt>
          <dd>
            <code id="auth-token">{shown ? s.auth_token : '•'.repeat(32)}</code>{' '}
            <button onClick={() => setShown(!shown)} aria-pressed={shown}>{shown ? 'Hide' : 'Reveal'}</button>{' '}
            <button onClick={() => copy('token', s.auth_token)}>Copy</button>
          </dd>
          <dt>Mode</dt><dd>{s.dev ? 'development (the clock can be advanced)' : 'production'} · sessions last {Math.round(s.session_ttl_seconds / 60)} min</dd>
        </dl>
        <p aria-live="polite" class="note">{copied && `Copied the ${copied === 'sid' ? 'account SID' : 'auth token'}.`}</p>
      </div>
      <h2>Point the Twilio libraries here</h2>
      {snippets.map(([name, code]) => (
        <div class="card" key={name}><h3>{name}</h3><pre>{code}</pre></div>
      ))}
    </Section>
  );
}
