// One message, as Twilio's message page shows it: the status history with times, the error with
// its docs page, segments and encoding, and what the message caused: the webhook exchanges of its
// turn (inbound) and the status callbacks sent for it (outbound), and for a message that went out
// on a carrier (SMPP) its parts with the SMSC's message ids. Live: a new status or exchange reloads it.
import { useEffect } from 'preact/hooks';
import { api, events, type Exchange, type MessageDetails, type MessageParts } from './api.js';
import { ExchangeView } from './conversations.js';
import { ErrorCode, Problem, Section, href, time, useData } from './ui.js';

/** `07:14:08.042`: status changes often come within the same second. */
function precise(date: string): string {
  const d = new Date(date);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function MessagePage({ sid }: { sid: string }): preact.JSX.Element {
  const details = useData(() => api.details(sid), [sid]);
  const parts = useData(() => api.parts(sid), [sid]);
  useEffect(() => events(null, (type, data) => {
    if (type === 'message' && (data as { message: { sid: string } }).message.sid === sid) {
      details.reload();
      parts.reload();
    }
    if (type === 'exchange' && (data as Exchange).messageSid === sid) details.reload();
  }), [sid]);
  const d = details.data;
  return (
    <Section title={`Message ${sid}`} actions={<a href="#/messages">All messages</a>}>
      <Problem error={details.error} />
      {d && <MessageView d={d} />}
      {parts.data && parts.data.parts.length > 0 && <CarrierParts p={parts.data} />}
    </Section>
  );
}

function MessageView({ d }: { d: MessageDetails }): preact.JSX.Element {
  const m = d.message;
  const inbound = m.direction === 'inbound';
  const [number, handset] = inbound ? [m.to, m.from] : [m.from, m.to];
  return (
    <>
      <div class="card message-head">
        <p><span class={`badge ${inbound ? 'in' : 'out'}`}>{m.direction}</span> <strong class="message-body">“{m.body}”</strong></p>
        <dl class="kv">
          <dt>From → To</dt><dd>{m.from} → {m.to}</dd>
          <dt>Status</dt><dd><span class={`status ${m.status}`} id="current-status">{m.status}</span></dd>
          <dt>Created</dt><dd>{time(m.date_created)}</dd>
          <dt>Encoding</dt><dd id="encoding">{d.encoding} · {d.characters} {d.encoding === 'GSM-7' ? 'septets' : 'UTF-16 units'} · {d.segments} segment{d.segments === 1 ? '' : 's'}</dd>
          <dt>Media</dt><dd>{m.num_media}</dd>
          <dt>Conversation</dt><dd><a href={href('conversations', number, handset)}>{number} ↔ {handset}</a></dd>
          {d.inbound_sid && <><dt>Reply to</dt><dd><a href={href('message', d.inbound_sid)}>{d.inbound_sid}</a> (<a href={href('turn', d.inbound_sid)}>its turn</a>)</dd></>}
        </dl>
        {d.error && (
          <p class="problem" id="message-error">Error <ErrorCode code={d.error.code} />: {d.error.message} · <a href={d.error.more_info} target="_blank" rel="noreferrer">Twilio's page for {d.error.code}</a></p>
        )}
      </div>
      <div class="card">
        <h2>Status history</h2>
        <ol class="history">
          {d.status_history.map((h, i) => <li key={i}><span class={`status ${h.status}`}>{h.status}</span> <time dateTime={h.date}>{precise(h.date)}</time></li>)}
        </ol>
      </div>
      {inbound && (
        <div class="card">
          <h2>Turn {d.turn?.status === 'pending' ? '(in progress)' : ''}</h2>
          {d.replies.length > 0
            ? <ul class="replies">{d.replies.map((r) => <li key={r.sid}><span class="badge out">reply</span> <a href={href('message', r.sid)}>“{r.body}”</a> <span class={`status ${r.status}`}>{r.status}</span></li>)}</ul>
            : <p class="empty">No replies.</p>}
          {d.webhook_exchanges.map((x) => <ExchangeView key={x.sid} x={x} />)}
        </div>
      )}
      {!inbound && (
        <div class="card">
          <h2>Status callbacks</h2>
          {d.status_callbacks.length === 0 && <p class="empty">None: the message has no StatusCallback.</p>}
          <table class="callbacks">
            {d.status_callbacks.length > 0 && <thead><tr><th>Sent</th><th>Request</th><th>Reported</th><th>Answer</th></tr></thead>}
            <tbody>
              {d.status_callbacks.map((x) => (
                <tr key={x.sid}>
                  <td>{precise(new Date(x.startedAt).toISOString())}</td>
                  <td><code>{x.request.method} {x.request.url}</code></td>
                  <td>{x.steps.join(' · ')}</td>
                  <td>{x.response ? <span class={`http s${Math.floor(x.response.status / 100)}`}>{x.response.status}</span> : 'no response'}
                    {x.errorCode !== null && <> <ErrorCode code={x.errorCode} /></>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/**
 * What the carrier's SMSC said of each part: its message id, and the receipt's state. The parts of a
 * message that failed over can have gone on two channels: then each part names its own.
 */
function CarrierParts({ p }: { p: MessageParts }): preact.JSX.Element {
  const channels = [...new Set(p.parts.map((part) => part.channel))];
  const several = channels.length > 1;
  return (
    <div class="card" id="carrier-parts">
      <h2>Sent on {channels.join(' and ')} in {p.parts[0]?.total ?? p.parts.length} part{p.parts[0]?.total === 1 ? '' : 's'}</h2>
      <table class="callbacks">
        <thead><tr><th>Part</th>{several && <th>Channel</th>}<th>SMSC message id</th><th>Submitted</th><th>Receipt</th><th>Done</th></tr></thead>
        <tbody>
          {p.parts.map((part) => (
            <tr key={part.index}>
              <td>{part.index} of {part.total}</td>
              {several && <td class="part-channel">{part.channel}</td>}
              <td><code>{part.smsc_message_id}</code></td>
              <td>{precise(part.date_submitted)}</td>
              <td><span class={`status ${part.state === 'submitted' ? 'sent' : part.state}`}>{part.state}</span>{part.error_code !== null && <> <ErrorCode code={part.error_code} /></>}</td>
              <td>{part.date_done ? precise(part.date_done) : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
