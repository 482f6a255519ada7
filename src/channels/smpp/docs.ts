/**
 * The tables of docs/channels.md, made from the code so they cannot drift: every key of an `smpp`
 * channel with its default (SMPP_FIELDS), and the SMPP → Twilio error mapping (errors.ts).
 * `npm run docs:config` writes them between markers; a test checks the file is up to date.
 */
import { SMPP_FIELDS } from '../../config/channels.js';
import { ERROR_CATALOG } from '../../errors/catalog.js';
import { GSM_MAP_ERROR_TABLE, RECEIPT_STATE_TABLE, SUBMIT_STATUS_TABLE, UNLISTED_SUBMIT_STATUS_CODE } from './errors.js';

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const hex = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
const code = (c: number): string => `${c} ${ERROR_CATALOG[c as keyof typeof ERROR_CATALOG]?.title ?? ''}`.trim();

export function smppKeysTable(): string {
  const rows = SMPP_FIELDS.map((f) => `| \`${f.key}\` | ${f.required ? 'required' : `\`${cell(f.defaultText)}\``} | ${cell(f.help)} |`);
  return ['| key | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

export function submitStatusTable(): string {
  const action = { retry: 'retry later', rebind: 'bind again, then retry', failed: '`failed`' } as const;
  const rows = SUBMIT_STATUS_TABLE.map((r) => {
    const what = r.kind === 'retry' ? `${action.retry}${r.throttle ? ' (pause all submits: throttled)' : ''}${r.maxRetries !== undefined ? `, ${r.maxRetries} time(s), then \`failed\` ${r.errorCode}` : ''}` : action[r.kind];
    return `| ${hex(r.status)} | ${r.name} | ${what} | ${r.kind === 'failed' ? code(r.errorCode) : r.maxRetries !== undefined ? code(r.errorCode) : '—'} |`;
  });
  rows.push(`| any other | | \`failed\` | ${code(UNLISTED_SUBMIT_STATUS_CODE)} |`);
  return ['| status | name | Parley | error code |', '|---|---|---|---|', ...rows].join('\n');
}

export function receiptStateTable(): string {
  const rows = RECEIPT_STATE_TABLE.map((r) => `| ${r.state} | ${r.status === 'sent' ? 'stays `sent` (not final)' : `\`${r.status}\``} | ${r.errorCode === undefined ? '—' : `${code(r.errorCode)}${r.useNetworkError ? ', or the GSM error below' : ''}`} |`);
  return ['| receipt state | message | error code |', '|---|---|---|', ...rows].join('\n');
}

export function gsmErrorTable(): string {
  const rows = GSM_MAP_ERROR_TABLE.map((e) => `| ${e.code} | ${e.name} | ${code(e.errorCode)} |`);
  return ['| GSM MAP error | name | error code |', '|---|---|---|', ...rows].join('\n');
}

const SECTIONS: ReadonlyArray<[string, () => string]> = [
  ['smpp-keys', smppKeysTable],
  ['smpp-submit-status', submitStatusTable],
  ['smpp-receipt-states', receiptStateTable],
  ['smpp-gsm-errors', gsmErrorTable],
];

/** docs/channels.md with each generated table replaced by the code's. */
export function withChannelTables(markdown: string): string {
  let out = markdown;
  for (const [name, table] of SECTIONS) {
    const start = `<!-- ${name}:start (npm run docs:config) -->`;
    const end = `<!-- ${name}:end -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/channels.md has no ${name} markers`);
    out = `${out.slice(0, from + start.length)}\n${table()}\n${out.slice(to)}`;
  }
  return out;
}
