// Writes docs/errors.md from the error catalog (run `npm run docs:errors` after `npm run build`).
import { writeFileSync } from 'node:fs';
import { ERROR_CATALOG } from '../dist/src/errors/catalog.js';

let out = "# Error codes\n\nEvery error a user can see carries Twilio's numeric code, from one catalog (`src/errors/catalog.ts`).\n" +
  'A test keeps this page and the catalog in step. Each code links to Twilio\'s own description.\n\n' +
  '| code | HTTP status (REST) | title | level |\n|---|---|---|---|\n';
for (const [code, d] of Object.entries(ERROR_CATALOG)) {
  out += `| [${code}](https://www.twilio.com/docs/errors/${code}) | ${d.status} | ${d.title.replace(/\|/g, '\\|')} | ${d.level}${d.kind === 'retry' ? ', retryable' : ''} |\n`;
}
out += '\nWebhook and TwiML codes (11xxx, 12xxx, 14xxx) are recorded on the inbound message (`error_code`) and in the\n' +
  'error log (`GET /v1/Alerts`). REST errors answer `{"code", "message", "more_info", "status"}` with the HTTP status above.\n';
writeFileSync(new URL('../docs/errors.md', import.meta.url), out);
