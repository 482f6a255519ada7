/**
 * The configuration tables of the docs, made from the schema itself so they cannot drift: the
 * README's serve options (`npm run docs:config` writes them between markers; a test checks it).
 */
import { CONFIG_FLAG, ENV_CREDENTIALS, SERVE_SETTINGS } from './schema.js';

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The README's table of `parley serve` options: flag, file key, environment, default, meaning. */
export function serveOptionsTable(): string {
  const rows = [
    `| \`${CONFIG_FLAG.flag} ${CONFIG_FLAG.value}\` | | \`${CONFIG_FLAG.env}\` | none | ${cell(CONFIG_FLAG.help)} |`,
    ...SERVE_SETTINGS.map((s) => {
      const flag = `\`${cell(`${s.flag}${s.value ? ` ${s.value}` : ''}`)}\``;
      const env = 'env' in s ? `\`${s.env}\`` : '';
      return `| ${flag} | \`${s.flag.slice(2)}\` | ${env} | \`${s.defaultText}\` | ${cell(s.help)} |`;
    }),
    '| | `channels` | | none | carrier connections (SMPP): see [docs/channels.md](docs/channels.md) |',
    `| | | \`${ENV_CREDENTIALS.accountSid}\` | generated | the default account's SID (\`AC\` + 32 hex) |`,
    `| | | \`${ENV_CREDENTIALS.authToken}\` | generated | its auth token (32 hex) |`,
  ];
  return ['| flag | file key | environment | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

export const CONFIG_TABLE_MARKERS = { start: '<!-- serve-options:start (npm run docs:config) -->', end: '<!-- serve-options:end -->' } as const;

/** The README with its options table replaced by the schema's. */
export function withServeOptionsTable(readme: string): string {
  const start = readme.indexOf(CONFIG_TABLE_MARKERS.start);
  const end = readme.indexOf(CONFIG_TABLE_MARKERS.end);
  if (start < 0 || end < start) throw new Error('README.md has no serve-options markers');
  return `${readme.slice(0, start + CONFIG_TABLE_MARKERS.start.length)}\n${serveOptionsTable()}\n${readme.slice(end)}`;
}
