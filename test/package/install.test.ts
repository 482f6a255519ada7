/**
 * The package as an app installs it: `npm pack` of this repository (as built), installed into a
 * fresh scratch app in a temporary directory, where a harness test imported from
 * `parley-sms/testing` runs, TypeScript finds the types, `npx parley --help` answers, and the
 * install has built the SQLite write shim (native/wal-coalesce.c) that the gateway then loads.
 *
 * Offline-ish: the install prefers npm's cache (`--prefer-offline`); better-sqlite3 builds from
 * source where no prebuilt binary can be fetched, which takes a minute or two, hence the timeout.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WAL_COALESCE_FILE } from '../../src/stores/sqlite/wal-coalescing.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const INSTALL_TIMEOUT_MS = 10 * 60_000;

interface Run { code: number | null; out: string }

/** Runs a command to its end (bounded by `timeoutMs`), with npm's own settings from `npm test` left out. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|PARLEY_|NODE_OPTIONS$|NODE_TEST_CONTEXT$)/i.test(key)) env[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

const HARNESS_TEST = `
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startTestGateway } from '${MANIFEST.name}/testing';

let gateway;
let server;
before(async () => {
  gateway = await startTestGateway();
  // An app that counts its messages in a cookie: Parley keeps the jar per conversation.
  server = createServer((req, res) => {
    const count = Number(/visits=(\\d+)/.exec(req.headers.cookie ?? '')?.[1] ?? 0) + 1;
    res.writeHead(200, { 'content-type': 'text/xml', 'set-cookie': 'visits=' + count + '; Path=/' });
    res.end('<Response><Message>Message ' + count + '</Message></Response>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  await gateway.numbers.create({ phoneNumber: '+15005550006', smsUrl: 'http://127.0.0.1:' + server.address().port + '/sms' });
});
after(async () => {
  await gateway.stop();
  server.close();
});

test('the installed harness texts the app, keeps its cookie and expires it', async () => {
  const phone = gateway.handset('+15551230001');
  assert.deepEqual((await phone.send('hi')).map((r) => r.body), ['Message 1']);
  assert.deepEqual((await phone.send('again')).map((r) => r.body), ['Message 2']);
  await gateway.clock.advance('4h1s');
  assert.deepEqual((await phone.send('back')).map((r) => r.body), ['Message 1']);
});

test('the installed package serves the built console', async () => {
  const auth = 'Basic ' + Buffer.from(gateway.accountSid + ':' + gateway.authToken).toString('base64');
  const page = await fetch(gateway.url + '/', { headers: { authorization: auth } });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<div id="app">/);
});
`;

const TYPES_CHECK = `
import { startTestGateway, type TestGateway, type TestMessage } from '${MANIFEST.name}/testing';
import { startParley, type RunningParley } from '${MANIFEST.name}';

export async function firstReply(text: string): Promise<string | undefined> {
  const gateway: TestGateway = await startTestGateway({ sessionTtl: '4h' });
  const replies: TestMessage[] = await gateway.handset('+15551230001').send(text, { to: '+15005550006' });
  await gateway.stop();
  return replies[0]?.body;
}
export type Gateway = RunningParley;
export const start: typeof startParley = startParley;
`;

describe(`${MANIFEST.name} packed and installed into a fresh app`, { timeout: INSTALL_TIMEOUT_MS + 5 * 60_000 }, () => {
  let work = '';
  let app = '';
  let files: string[] = [];

  before(async () => {
    for (const built of ['dist/src/cli/main.js', 'dist/src/testing/index.js', 'dist/console/index.html']) {
      assert.ok(existsSync(join(ROOT, built)), `${built} is missing: run "npm run build" first`);
    }
    work = mkdtempSync(join(tmpdir(), 'parley-pack-'));
    // As built: the build already ran (npm test builds first), so packing needs no scripts.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT, 120_000);
    assert.equal(packed.code, 0, packed.out);
    const report = JSON.parse(packed.out.slice(packed.out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = report[0]!.files.map((f) => f.path);
    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-sms-app', private: true, type: 'module' }, null, 2));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
    }));
    const installed = await run('npm', [
      'install', '--prefer-offline', '--no-audit', '--no-fund', join(work, report[0]!.filename),
      `typescript@${installedVersion('typescript')}`, `@types/node@${installedVersion('@types/node')}`,
    ], app, INSTALL_TIMEOUT_MS);
    assert.equal(installed.code, 0, `npm install failed:\n${installed.out}`);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the tarball holds the built gateway, console, example app, types, the shim\'s source, README and LICENSE, and nothing else', () => {
    for (const needed of ['package.json', 'README.md', 'LICENSE', 'dist/src/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/src/testing/index.js', 'dist/src/testing/index.d.ts', 'dist/console/index.html', 'dist/examples/session-counter/server.js',
      'native/wal-coalesce.c', 'scripts/build-native.mjs']) {
      assert.ok(files.includes(needed), `${needed} is in the package`);
    }
    const unexpected = files.filter((f) => !/^(package\.json|README\.md|LICENSE|dist\/src\/.+\.(js|d\.ts)|dist\/console\/.+|dist\/examples\/session-counter\/(app|server)\.js|native\/wal-coalesce\.c|scripts\/build-native\.mjs)$/.test(f));
    assert.deepEqual(unexpected, []);
    assert.ok(!files.some((f) => f.endsWith('.map') || f.startsWith('dist/test/') || f.startsWith('dist/bench/')), 'no source maps, tests or benchmarks');
  });

  test('a harness test imported from the package runs in the app', async () => {
    writeFileSync(join(app, 'sms.test.mjs'), HARNESS_TEST);
    const result = await run(process.execPath, ['--test', 'sms.test.mjs'], app, 120_000);
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /# pass 2/);
  });

  test('TypeScript finds the types of both entry points', async () => {
    writeFileSync(join(app, 'check.ts'), TYPES_CHECK);
    const result = await run('npx', ['tsc', '-p', '.'], app, 120_000);
    assert.equal(result.code, 0, result.out);
    writeFileSync(join(app, 'check.ts'), `${TYPES_CHECK}\nexport const wrong: number = (await startTestGateway()).url;\n`);
    const failing = await run('npx', ['tsc', '-p', '.'], app, 120_000);
    assert.notEqual(failing.code, 0, 'a type error in the app is caught, so the types are really read');
    assert.match(failing.out, /check\.ts.*TS2322/);
  });

  test('installing the package built the SQLite write shim, and the gateway loads it', async () => {
    const installedAt = join(app, 'node_modules', MANIFEST.name);
    assert.ok(existsSync(join(installedAt, 'build', WAL_COALESCE_FILE)), 'built by the install script');
    const loader = pathToFileURL(join(installedAt, 'dist', 'src', 'stores', 'sqlite', 'wal-coalescing.js')).href;
    const result = await run(process.execPath, ['--input-type=module', '-e',
      `import { loadWalCoalescing } from ${JSON.stringify(loader)}; console.log(JSON.stringify(loadWalCoalescing()));`], app, 60_000);
    assert.equal(result.code, 0, result.out);
    assert.deepEqual(JSON.parse(result.out), { active: true });
  });

  test('npx parley --help answers in the app', async () => {
    const result = await run('npx', ['parley', '--help'], app, 60_000);
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /^Usage: parley <command>/);
    assert.match(result.out, /^ {2}serve /m);
    assert.match(result.out, /^ {2}send /m);
  });
});
