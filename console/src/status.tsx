// Status: each channel's state, queue depths, messages per second, turn latency and errors per
// code, from GET /parley/status (the numbers /metrics exposes, sampled every few seconds for the
// last minutes), polled while the page is open. Charts are small inline SVGs. On a cluster, the
// nodes first: the rest of the page is the node that answered.
import { useEffect } from 'preact/hooks';
import { api, type ChannelState, type ClusterView, type StatusPoint, type StatusView } from './api.js';
import { ErrorCode, Problem, Section, time, useData } from './ui.js';
import './status.css';

export function Status(): preact.JSX.Element {
  const status = useData(() => api.status(), []);
  const every = Math.min(5, Math.max(1, status.data?.sample_interval_seconds ?? 5)) * 1000;
  useEffect(() => {
    const timer = setInterval(() => status.reload(), every);
    return () => clearInterval(timer);
  }, [every]);
  const view = status.data;
  return (
    <Section title="Status">
      <Problem error={status.error} />
      {view && <Overview view={view} />}
    </Section>
  );
}

function Overview({ view }: { view: StatusView }): preact.JSX.Element {
  const samples = view.samples;
  const minutes = Math.round((samples.length * view.sample_interval_seconds) / 60);
  const span = minutes >= 1 ? `last ${minutes} min` : `last ${samples.length * view.sample_interval_seconds} s`;
  return (
    <>
      {view.cluster && <Nodes cluster={view.cluster} />}
      <table class="channels">
        <thead><tr><th>Channel</th><th>Type</th><th>State</th><th>Since</th><th>Waiting</th><th>In flight</th></tr></thead>
        <tbody>
          {view.channels.map((c) => (
            <tr key={c.name}>
              <td>{c.name}{c.client_certificate && <CertificateNote certificate={c.client_certificate} />}{c.destinations.length > 0 && <small class="destinations"> to {c.destinations.join(', ')}</small>}{c.failover.length > 0 && <small class="failover"> failover {c.failover.join(', ')}</small>}</td><td>{c.type}</td>
              <td><span class={`state ${c.state}`}>{c.state}</span>{c.reason && <small> {c.reason}</small>}{c.binds && c.binds.length > 1 && <BindsNote binds={c.binds} />}</td>
              <td>{time(c.since)}</td><td>{c.waiting}</td><td>{c.in_flight}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="charts">
        {(['turns', 'outbound', 'callbacks'] as const).map((queue) => (
          <Chart key={queue} title={`Queue: ${queue}`} unit="" span={span} now={view.queues?.[queue] ?? null}
            series={[{ name: queue, values: samples.map((s) => s.queues?.[queue] ?? null) }]} />
        ))}
        <Chart title="Messages per second" unit="/s" span={span} now={last(samples)?.received_per_second ?? null}
          series={[{ name: 'received', values: samples.map((s) => s.received_per_second) }, { name: 'sent', values: samples.map((s) => s.sent_per_second) }]} />
        <Chart title="Turn latency (p95)" unit=" ms" span={span} now={lastValue(samples.map((s) => s.turn_latency_p95_ms))}
          series={[{ name: 'p95', values: samples.map((s) => s.turn_latency_p95_ms) }, { name: 'mean', values: samples.map((s) => s.turn_latency_mean_ms) }]} />
        <Chart title="Turns per second" unit="/s" span={span} now={last(samples)?.turns_per_second ?? null}
          series={[{ name: 'turns', values: samples.map((s) => s.turns_per_second) }]} />
      </div>
      <p class="note">
        Since start: {view.totals.received} received, {view.totals.sent} sent, {view.totals.turns_ok} turns ok, {view.totals.turns_error} failed.
        The same numbers as <code>/metrics</code>.
      </p>
      <h2>Errors by code</h2>
      {view.errors.length === 0 ? <p class="empty">No errors since start.</p> : (
        <table class="errors-by-code">
          <thead><tr><th>Code</th><th>Error</th><th>Count</th></tr></thead>
          <tbody>
            {view.errors.map((e) => <tr key={e.code}><td><ErrorCode code={e.code} /></td><td>{e.title ?? ''}</td><td>{e.count}</td></tr>)}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The nodes sharing the database, this one marked: the channels, rates, totals and errors below are its own. */
function Nodes({ cluster }: { cluster: ClusterView }): preact.JSX.Element {
  return (
    <>
      <p class="note">
        One of several nodes: this page shows node <code>{cluster.this_node}</code>. Queue depths are the whole
        gateway's; channels, rates, totals and errors are this node's.
      </p>
      {cluster.nodes === null ? <p class="empty">Nodes unknown: {cluster.reason}</p> : (
        <table class="nodes">
          <thead><tr><th>Node</th><th>Host</th><th>PID</th><th>State</th><th>Started</th><th>Last heartbeat</th></tr></thead>
          <tbody>
            {cluster.nodes.map((n) => (
              <tr key={n.id} class={n.id === cluster.this_node ? 'this-node' : undefined}>
                <td>{n.id}{n.id === cluster.this_node && <small> (this node)</small>}</td><td>{n.host}</td><td>{n.pid}</td>
                <td><span class={`state ${n.alive ? 'bound' : 'down'}`}>{n.alive ? 'alive' : 'lease expired'}</span></td>
                <td>{time(n.started_at)}</td><td>{time(n.last_heartbeat)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const last = (samples: StatusPoint[]): StatusPoint | undefined => samples[samples.length - 1];
/** The latest value there is (an interval without turns has no latency). */
const lastValue = (values: Array<number | null>): number | null => values.filter((v): v is number => v !== null).pop() ?? null;

interface Series { name: string; values: Array<number | null> }

/** A small line chart of up to two series over the sampled minutes, with the latest value. */
function Chart({ title, unit, span, now, series }: { title: string; unit: string; span: string; now: number | null; series: Series[] }): preact.JSX.Element {
  const W = 300;
  const H = 70;
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const count = Math.max(2, ...series.map((s) => s.values.length));
  const x = (i: number): number => (i / (count - 1)) * W;
  const y = (v: number): number => H - (v / max) * (H - 4) - 2;
  const label = `${title}: ${now === null ? 'no data' : `${now}${unit}`} now, at most ${round(max)}${unit} over the ${span}`;
  return (
    <figure class="chart card">
      <figcaption><span>{title}</span><strong>{now === null ? '–' : `${now}${unit}`}</strong></figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} preserveAspectRatio="none">
        {series.map((s, n) => (
          <polyline key={s.name} class={`line s${n}`} data-points={s.values.filter((v) => v !== null).length}
            points={s.values.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean).join(' ')} />
        ))}
      </svg>
      <div class="legend">
        {series.length > 1 && series.map((s, n) => <span key={s.name} class={`key s${n}`}>{s.name}</span>)}
        <span class="scale">max {round(max)}{unit} · {span}</span>
      </div>
    </figure>
  );
}

function round(n: number): number {
  return n >= 10 ? Math.round(n) : Math.round(n * 10) / 10;
}

/** A channel with several binds: how many are up, and each one that is not, with why. */
function BindsNote({ binds }: { binds: NonNullable<ChannelState['binds']> }): preact.JSX.Element {
  const up = binds.filter((b) => b.state === 'bound').length;
  return (
    <div class="binds">
      <small>{up} of {binds.length} binds bound</small>
      {binds.filter((b) => b.state !== 'bound').map((b) => (
        <div key={b.name}><small class="bind-problem">{b.name}: {b.state}{b.reason ? `, ${b.reason}` : ''}</small></div>
      ))}
    </div>
  );
}

/** The client certificate a channel presents, and until when: marked once it has less than 14 days left. */
function CertificateNote({ certificate }: { certificate: NonNullable<ChannelState['client_certificate']> }): preact.JSX.Element {
  const daysLeft = (Date.parse(certificate.expires_at) - Date.now()) / 86_400_000;
  return (
    <small class={daysLeft < 14 ? 'certificate expiring' : 'certificate'} title={certificate.subject}>
      {' '}certificate until {time(certificate.expires_at)}
    </small>
  );
}
