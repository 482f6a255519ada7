// Errors: the error log (Monitor alerts), each code linked to Twilio's explanation and to its turn.
import { api } from './api.js';
import { ErrorCode, Problem, Section, href, time, useData } from './ui.js';
import { useEffect } from 'preact/hooks';
import { events } from './api.js';

export function Errors(): preact.JSX.Element {
  const alerts = useData(() => api.alerts(), []);
  useEffect(() => events(null, (type) => { if (type === 'alert') alerts.reload(); }), []);
  return (
    <Section title="Errors">
      <Problem error={alerts.error} />
      <table class="alerts">
        <thead><tr><th>Code</th><th>When</th><th>Message</th><th>Request</th><th>Exchange</th></tr></thead>
        <tbody>
          {alerts.data?.map((a) => (
            <tr key={a.sid}>
              <td><ErrorCode code={a.error_code} /></td>
              <td>{time(a.date_created)}</td>
              <td>{a.alert_text}</td>
              <td><code>{a.request_method} {a.request_url}</code></td>
              <td>{a.resource_sid?.startsWith('SM') ? <a href={href('turn', a.resource_sid)}>View turn</a> : a.resource_sid}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {alerts.data?.length === 0 && <p class="empty">No errors. Good.</p>}
    </Section>
  );
}
