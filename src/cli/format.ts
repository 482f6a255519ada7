/**
 * How the client commands print Parley's data: one line per message, webhook exchange or error,
 * with ANSI colour only when the output is a terminal (and NO_COLOR is not set), so piped output
 * and test assertions see plain text.
 */

export interface Paint {
  dim(text: string): string;
  inbound(text: string): string;
  outbound(text: string): string;
  error(text: string): string;
  ok(text: string): string;
}

const wrap = (code: number) => (text: string): string => `\u001b[${code}m${text}\u001b[0m`;
const plain = (text: string): string => text;

export function paintFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Paint {
  const colour = stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  if (!colour) return { dim: plain, inbound: plain, outbound: plain, error: plain, ok: plain };
  return { dim: wrap(2), inbound: wrap(36), outbound: wrap(32), error: wrap(31), ok: wrap(32) };
}

/** The fields of Parley's Message JSON these commands read. */
export interface MessageLine {
  sid: string;
  from: string;
  to: string;
  body: string;
  direction: string;
  status: string;
  date_created: string;
  num_media?: string;
  error_code?: number | null;
}

/** `HH:MM:SS` of an RFC 2822 or ISO date in UTC (Parley's clock, which may have been advanced). */
export function clockTime(date: string | number): string {
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? '--:--:--' : d.toISOString().slice(11, 19);
}

export function messageLine(m: MessageLine, paint: Paint): string {
  const inbound = m.direction === 'inbound';
  const arrow = `${m.from} → ${m.to}`;
  const media = m.num_media && m.num_media !== '0' ? ` [${m.num_media} media]` : '';
  const failed = m.error_code ? paint.error(` (error ${m.error_code})`) : '';
  const head = inbound ? paint.inbound(`${arrow}  in `) : paint.outbound(`${arrow}  out`);
  return `${paint.dim(clockTime(m.date_created))}  ${head}  ${JSON.stringify(m.body)}${media}${failed}`;
}

/** The fields of a webhook exchange record these commands read. */
export interface ExchangeLine {
  purpose: string;
  startedAt: number;
  messageSid: string;
  request: { method: string; url: string };
  response: { status: number; durationMs: number } | null;
  errorCode: number | null;
  errorMessage: string | null;
  steps?: string[];
}

export function exchangeLine(x: ExchangeLine, paint: Paint): string {
  const target = `${x.request.method} ${x.request.url}`;
  const status = x.response ? `${x.response.status} in ${x.response.durationMs} ms` : 'no response';
  const steps = x.steps && x.steps.length > 0 ? `  ${x.steps.join(', ')}` : '';
  const failure = x.errorCode ? paint.error(`  error ${x.errorCode}: ${x.errorMessage ?? ''}`) : '';
  const ok = !x.errorCode && x.response && x.response.status < 400;
  return `${paint.dim(clockTime(x.startedAt))}  webhook ${x.purpose} ${target} → ${ok ? paint.ok(status) : paint.error(status)}${steps}${failure}`;
}

export interface AlertLine {
  errorCode: number;
  alertText: string;
  dateCreated: number;
  logLevel: string;
}

export function alertLine(a: AlertLine, paint: Paint): string {
  return `${paint.dim(clockTime(a.dateCreated))}  ${paint.error(`${a.logLevel} ${a.errorCode}`)}  ${a.alertText}`;
}

/** Rows of cells as lines, each column as wide as its widest cell, two spaces apart; a column empty in every row is left out. */
export function alignedColumns(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  // A column empty in every row (no channel presents a certificate) takes no room.
  const shown = widths.flatMap((width, i) => (width > 0 ? [i] : []));
  return rows.map((r) => shown.map((i) => r[i]!.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** An ISO time as a terminal shows it: `2026-12-07 17:02:11Z`. */
export function utcTime(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 19)}Z`;
}
