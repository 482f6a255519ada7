/**
 * Entry point of an app process: `node serve.js minimal|session-counter [port]`. Each app runs in
 * its own process so its CPU is apart from the load generator's and the gateway's.
 */
import { hostApp } from './host.js';
import { minimalApp } from './minimal-app.js';
import { sessionCounterListener } from './session-counter.js';

const [name = 'minimal', port = '0'] = process.argv.slice(2);
switch (name) {
  case 'minimal':
    hostApp(minimalApp, Number(port));
    break;
  case 'session-counter':
    hostApp(sessionCounterListener(), Number(port));
    break;
  default:
    process.stderr.write(`unknown app ${name}\n`);
    process.exit(2);
}
