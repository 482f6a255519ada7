/**
 * The configuration file (`--config FILE`, `PARLEY_CONFIG`): precedence defaults < file <
 * environment < flags, typed keys, channels, and every kind of mistake as a usage error that names
 * the file and the key (exit code 2 from `parley serve`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadServeConfig } from '../../src/config/schema.js';
import type { SmppChannelConfig } from '../../src/config/channels.js';
import { cleanEnv, runCli } from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function configFile(text: string): string {
  const file = join(dir, `parley-${++files}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** A password file for the mistakes below, written as the list is made. */
function passwordFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const CHANNEL = `
  - name: carrier-a
    type: smpp
    host: 127.0.0.1
    port: 2775
    system-id: parley
    password: secret
    numbers: ["+15550001111"]
`;

describe('precedence: defaults < file < environment < flags', () => {
  const file = configFile(`port: 4000\nsession-ttl: 2h\nlog-level: warn\ndev: true\nallowed-hosts: [parley.example.com, sms.example.com]\n`);

  test('the file sets what it names and leaves the defaults for the rest', () => {
    const config = loadServeConfig(['--config', file], {});
    assert.equal(config.port, 4000);
    assert.equal(config.sessionTtlMs, 2 * 3_600_000);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.dev, true);
    assert.deepEqual(config.allowedHosts, ['parley.example.com', 'sms.example.com']);
    assert.equal(config.db, './parley.db');
    assert.equal(config.configFile, file);
    assert.deepEqual(config.channels, []);
  });

  test('the environment beats the file, and flags beat both', () => {
    const env = { PARLEY_PORT: '4001', PARLEY_SESSION_TTL: '30m' };
    const fromEnv = loadServeConfig(['--config', file], env);
    assert.deepEqual([fromEnv.port, fromEnv.sessionTtlMs, fromEnv.logLevel], [4001, 30 * 60_000, 'warn']);
    const fromFlags = loadServeConfig(['--config', file, '--port', '4002', '--log-level=error'], env);
    assert.deepEqual([fromFlags.port, fromFlags.sessionTtlMs, fromFlags.logLevel], [4002, 30 * 60_000, 'error']);
  });

  test('commit-delay: off unless set; 0 is off too; a number is seconds, as for every duration', () => {
    assert.equal(loadServeConfig([], {}).commitDelayMs, 0);
    assert.equal(loadServeConfig(['--config', configFile('commit-delay: 1ms\n')], {}).commitDelayMs, 1);
    assert.equal(loadServeConfig(['--config', configFile('commit-delay: 0\n')], {}).commitDelayMs, 0);
    assert.equal(loadServeConfig(['--config', configFile('commit-delay: 5ms\n')], {}).commitDelayMs, 5);
    assert.equal(loadServeConfig(['--commit-delay=0.25'], {}).commitDelayMs, 250);
    assert.equal(loadServeConfig([], { PARLEY_COMMIT_DELAY: '2ms' }).commitDelayMs, 2);
  });

  test('PARLEY_CONFIG names the file when --config does not', () => {
    assert.equal(loadServeConfig([], { PARLEY_CONFIG: file }).port, 4000);
    const other = configFile('port: 4100\n');
    assert.equal(loadServeConfig(['--config', other], { PARLEY_CONFIG: file }).port, 4100);
  });

  test('an empty file configures nothing', () => {
    assert.equal(loadServeConfig(['--config', configFile('')], {}).port, 3000);
  });
});

describe('channels', () => {
  test('an smpp channel gets the documented defaults for every optional key', () => {
    const config = loadServeConfig(['--config', configFile(`channels:${CHANNEL}`)], {});
    const [channel] = config.channels;
    assert.deepEqual(channel, {
      name: 'carrier-a', type: 'smpp', host: '127.0.0.1', port: 2775, systemId: 'parley', password: 'secret', numbers: ['+15550001111'], destinations: [], failover: [], failoverAfterMs: 0,
      systemType: '', addressRange: '', bindTon: 0, bindNpi: 0, bind: 'transceiver', binds: 1, tls: false, tlsVerify: true, tlsCa: null, tlsServername: null, tlsCert: null, tlsKey: null, window: 10, throughput: 0, enquireLinkMs: 30_000,
      reconnectDelayMs: 5_000, reconnectDelayMaxMs: 60_000, responseTimeoutMs: 30_000, dataCoding: 0, longMessages: 'udh',
      receiptId: 'as-is', interfaceVersion: '3.4', serviceType: '', receipts: 'all', priority: 0, validityPeriod: 'none', sourceTon: 'auto', sourceNpi: 'auto', destTon: 'auto', destNpi: 'auto', retryDelayMs: 1_000, retryDelayMaxMs: 60_000,
      errorCodes: { commandStatus: {}, receiptError: {} }, reassemblyTimeoutMs: 120_000,
    });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.channels) && Object.isFrozen(channel));
  });

  test('optional keys are read with their types', () => {
    const text = `channels:${CHANNEL}    bind: transmitter-receiver\n    window: 50\n    throughput: 100\n    enquire-link: 15s\n    reconnect-delay: 1s\n    data-coding: 3\n    long-messages: sar\n    receipt-id: decimal\n    interface-version: 5.0\n    tls: true\n    tls-verify: false\n`;
    const [channel] = loadServeConfig(['--config', configFile(text)], {}).channels;
    assert.deepEqual(
      [channel!.bind, channel!.window, channel!.throughput, channel!.enquireLinkMs, channel!.reconnectDelayMs, channel!.dataCoding, channel!.longMessages, channel!.receiptId, channel!.interfaceVersion, channel!.tls, channel!.tlsVerify],
      ['transmitter-receiver', 50, 100, 15_000, 1_000, 3, 'sar', 'decimal', '5.0', true, false],
    );
  });

  test('the addressing keys: address-range and the bind TON/NPI, service-type, and TON/NPI forced or auto', () => {
    const text = `channels:${CHANNEL}    address-range: "^1555"\n    bind-ton: 1\n    bind-npi: 1\n    service-type: CMT\n    source-ton: 5\n    source-npi: 0\n    dest-ton: auto\n    dest-npi: "1"\n`;
    const [channel] = loadServeConfig(['--config', configFile(text)], {}).channels;
    assert.deepEqual(
      [channel!.addressRange, channel!.bindTon, channel!.bindNpi, channel!.serviceType, channel!.sourceTon, channel!.sourceNpi, channel!.destTon, channel!.destNpi],
      ['^1555', 1, 1, 'CMT', 5, 0, 'auto', 1],
    );
  });

  test('priority and validity-period: a priority_flag, and none, message or a duration', () => {
    const read = (extra: string): SmppChannelConfig => loadServeConfig(['--config', configFile(`channels:${CHANNEL}${extra}`)], {}).channels[0]!;
    assert.deepEqual([read('    priority: 3\n').priority, read('    validity-period: 48h\n').validityPeriod], [3, 48 * 3_600_000]);
    assert.equal(read('    validity-period: message\n').validityPeriod, 'message');
    assert.equal(read('    validity-period: none\n').validityPeriod, 'none');
    assert.equal(read('    validity-period: 90\n').validityPeriod, 90_000, 'a bare number is seconds, as for every duration');
  });

  test('password-file: the password from a file, without its final newline, instead of the password key', () => {
    const secret = join(dir, 'smpp-password');
    writeFileSync(secret, 'fromfile\n');
    const text = `channels:${CHANNEL.replace('    password: secret\n', `    password-file: ${secret}\n`)}`;
    const [channel] = loadServeConfig(['--config', configFile(text)], {}).channels;
    assert.equal(channel!.password, 'fromfile');
    assert.ok(!('passwordFromFile' in channel!), 'the configuration holds the password once');
    writeFileSync(secret, 'crlf\r\n');
    assert.equal(loadServeConfig(['--config', configFile(text)], {}).channels[0]!.password, 'crlf');
  });

  test('error-codes: command statuses in hex or decimal to a Twilio code or retry, receipt errors to a code', () => {
    const text = `channels:${CHANNEL}    error-codes:\n      command-status: {0x45: retry, 11: 30003, "0x0000000A": 30004}\n      receipt-error: {1: 30005}\n`;
    const [channel] = loadServeConfig(['--config', configFile(text)], {}).channels;
    assert.deepEqual(channel!.errorCodes, { commandStatus: { 0x45: 'retry', 11: 30003, 10: 30004 }, receiptError: { 1: 30005 } });
  });
});

// Each mistake must fail at start with a message naming the file and the key.
const MISTAKES: Array<[string, string, RegExp]> = [
  ['an unknown top-level key', 'prot: 3000\n', /: prot: unknown key \(known keys: channels, port,/],
  ['a port that is not a number', 'port: three thousand\n', /: port: "three thousand" is not a port number/],
  ['a port as a list', 'port: [1, 2]\n', /: port: must be a number, not a list/],
  ['a boolean switch given a string', 'dev: "yes"\n', /: dev: must be true or false/],
  ['a bad duration', 'session-ttl: soon\n', /: session-ttl: "soon" is not a duration/],
  ['a commit delay longer than a second', 'commit-delay: 5s\n', /: commit-delay: "5s" is too long: every message could wait that long/],
  ['a key without a value', 'db:\n', /: db: needs a value/],
  ['channels that are not a list', 'channels: {name: a}\n', /: channels: must be a list of channels/],
  ['a channel without a type', 'channels:\n  - name: a\n', /: channels\[0\]\.type: is required \(known types: smpp\)/],
  ['an unknown channel type', 'channels:\n  - name: a\n    type: http\n', /: channels\[0\]\.type: unknown channel type "http"/],
  ['a missing required channel key', `channels:${CHANNEL.replace('    host: 127.0.0.1\n', '')}`, /: channels\[0\]\.host: is required/],
  ['an unknown channel key', `channels:${CHANNEL}    windw: 10\n`, /: channels\[0\]\.windw: unknown key \(known keys: name, type, host/],
  ['a channel port out of range', `channels:${CHANNEL.replace('2775', '70000')}`, /: channels\[0\]\.port: must be between 1 and 65535, not 70000/],
  ['a number that is not E.164', `channels:${CHANNEL.replace('+15550001111', '5550001111')}`, /: channels\[0\]\.numbers\[0\]: "5550001111" is neither an E.164 number/],
  ['an empty numbers list', `channels:${CHANNEL.replace('["+15550001111"]', '[]')}`, /: channels\[0\]\.numbers: must list at least one entry/],
  ['no password and no password-file', `channels:${CHANNEL.replace('    password: secret\n', '')}`, /: channels\[0\]\.password: is required \(or password-file, naming a file that holds it\)/],
  ['a password-file that does not exist', `channels:${CHANNEL.replace('    password: secret\n', `    password-file: ${join(dir, 'missing-password')}\n`)}`, /: channels\[0\]\.password-file: cannot read "[^"]+missing-password": ENOENT/],
  ['a password-file longer than SMPP allows', `channels:${CHANNEL.replace('    password: secret\n', `    password-file: ${passwordFile('long-password', 'much-too-long\n')}\n`)}`, /: channels\[0\]\.password-file: "[^"]+long-password" holds 13 bytes; an SMPP password has at most 8/],
  ['a password-file of two lines', `channels:${CHANNEL.replace('    password: secret\n', `    password-file: ${passwordFile('two-lines', 'one\ntwo\n')}\n`)}`, /: channels\[0\]\.password-file: "[^"]+two-lines" holds more than one line/],
  ['both password and password-file', `channels:${CHANNEL}    password-file: ${passwordFile('both', 'other\n')}\n`, /: channels\[0\]\.password-file: is set beside password; keep one of the two/],
  ['a password longer than SMPP allows', `channels:${CHANNEL.replace('secret', 'much-too-long')}`, /: channels\[0\]\.password: must be at most 8 bytes/],
  ['an unknown data coding', `channels:${CHANNEL}    data-coding: 8\n`, /: channels\[0\]\.data-coding: must be one of 0, 1, 3, not number 8/],
  ['an error-codes key that is not a number', `channels:${CHANNEL}    error-codes:\n      command-status: {throttled: retry}\n`, /: channels\[0\]\.error-codes\.command-status\.throttled: "throttled" is not a number/],
  ['an error code Parley does not know', `channels:${CHANNEL}    error-codes:\n      receipt-error: {1: 30999}\n`, /: channels\[0\]\.error-codes\.receipt-error\.1: 30999 is not a delivery error code Parley knows/],
  ['an error-codes map with an unknown key', `channels:${CHANNEL}    error-codes:\n      status: {}\n`, /: channels\[0\]\.error-codes\.status: unknown key \(known keys: command-status, receipt-error\)/],
  ['a window of zero', `channels:${CHANNEL}    window: 0\n`, /: channels\[0\]\.window: must be between 1 and 1000, not 0/],
  ['more binds than a channel keeps', `channels:${CHANNEL}    binds: 33\n`, /: channels\[0\]\.binds: must be between 1 and 32, not 33/],
  ['a priority SMPP does not define', `channels:${CHANNEL}    priority: 4\n`, /: channels\[0\]\.priority: must be between 0 and 3, not 4/],
  ['a validity period that is not a duration', `channels:${CHANNEL}    validity-period: forever\n`, /: channels\[0\]\.validity-period: must be "none", "message" or a duration like 48h, not "forever"/],
  ['a validity period shorter than a minute', `channels:${CHANNEL}    validity-period: 30s\n`, /: channels\[0\]\.validity-period: must be from 1m to 365d, not "30s"/],
  ['a TON SMPP does not define', `channels:${CHANNEL}    source-ton: 7\n`, /: channels\[0\]\.source-ton: must be one of "auto", 0, 1, 2, 3, 4, 5, 6, not number 7/],
  ['an NPI SMPP does not define', `channels:${CHANNEL}    bind-npi: 2\n`, /: channels\[0\]\.bind-npi: must be one of 0, 1, 3, 4, 6, 8, 9, 10, 14, 18, not number 2/],
  ['a service_type longer than SMPP allows', `channels:${CHANNEL}    service-type: LONGER\n`, /: channels\[0\]\.service-type: must be at most 5 bytes/],
  ['an address_range longer than SMPP allows', `channels:${CHANNEL}    address-range: "${'1'.repeat(41)}"\n`, /: channels\[0\]\.address-range: must be at most 40 bytes/],
  ['a CA file that does not exist', `channels:${CHANNEL}    tls-ca: /nonexistent/ca.pem\n`, /: channels\[0\]\.tls-ca: cannot use "\/nonexistent\/ca.pem" as a CA bundle/],
  ['two channels with one name', `channels:${CHANNEL}${CHANNEL.replace('+15550001111', '+15550002222')}`, /: channels\[1\]\.name: "carrier-a" names two channels/],
  ['one number on two channels', `channels:${CHANNEL}${CHANNEL.replace('carrier-a', 'carrier-b')}`, /: channels\[1\]\.numbers: \+15550001111 is carried by both "carrier-a" and "carrier-b"/],
  ['two catch-all channels', `channels:${CHANNEL.replace('["+15550001111"]', '["*"]')}${CHANNEL.replace('carrier-a', 'carrier-b').replace('["+15550001111"]', '["*"]')}`, /both say "\*"/],
  ['a YAML syntax error', 'port: 3000\n  host: [\n', /parley-\d+\.yaml:\d+: /],
  ['a key written twice', 'port: 3000\nport: 3001\n', /parley-\d+\.yaml:\d+: Map keys must be unique/],
  ['a document that is a list', '- port: 3000\n', /: the configuration must be a mapping/],
];

describe('mistakes are usage errors naming the file and the key', () => {
  for (const [what, text, expected] of MISTAKES) {
    test(what, () => {
      const file = configFile(text);
      assert.throws(() => loadServeConfig(['--config', file], {}), (error: unknown) => {
        assert.ok(error instanceof ConfigError, `a ConfigError, not ${String(error)}`);
        assert.ok(error.message.startsWith(file), `"${error.message}" names the file`);
        assert.match(error.message, expected);
        return true;
      });
    });
  }

  test('a file that cannot be read', () => {
    assert.throws(() => loadServeConfig(['--config', join(dir, 'missing.yaml')], {}), /missing\.yaml: cannot read the configuration file \(ENOENT\)/);
  });

  test('parley serve exits with 2 and says which key is wrong, before opening anything', async () => {
    const file = configFile(`channels:${CHANNEL.replace('2775', '"not a port"')}`);
    const db = join(dir, 'never-created.db');
    const result = await runCli(['serve', '--config', file, '--db', db, '--port', '0'], cleanEnv());
    assert.equal(result.code, 2, result.stdout);
    assert.match(result.stderr, /channels\[0\]\.port: must be a whole number, not string "not a port"/);
    assert.ok(result.stderr.includes(file));
    const viaEnv = await runCli(['serve', '--db', db, '--port', '0'], cleanEnv({ PARLEY_CONFIG: configFile('prot: 1\n') }));
    assert.equal(viaEnv.code, 2);
    assert.match(viaEnv.stderr, /prot: unknown key/);
  });
});
