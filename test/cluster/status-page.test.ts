/**
 * The status page of a cluster: two `parley serve` nodes on one PostgreSQL database. Each node's
 * `GET /parley/status` names the node that answered and lists every node the database knows, with
 * its host, pid, start and last heartbeat; the console draws that list in Chromium. A node stalled
 * past its lease shows there as expired, and under a new id once it wakes and joins again; a node
 * stopped cleanly leaves the list. When the database cannot list them, the page still answers, and
 * says why. `/metrics` counts the same nodes by state (`parley_cluster_nodes`), and `parley nodes`
 * prints them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hostname } from 'node:os';
import type { Browser } from 'playwright-core';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { consolePage, launchChromium } from '../helpers/browser.js';
import { parseExposition, promtoolCheck, valueOf } from '../helpers/prometheus.js';
import { cleanEnv, runCli } from '../cli/run-cli.js';
import { basicAuth } from '../helpers/basic-auth.js';

interface NodeJson { id: string; host: string; pid: number; started_at: string; last_heartbeat: string; lease_seconds: number; alive: boolean }
interface ClusterJson { this_node: string; nodes: NodeJson[] | null; reason?: string }

let cluster: Cluster;
let browser: Browser | undefined;

before(async () => {
  cluster = await startCluster(2);
});

after(async () => {
  await browser?.close();
  await cluster?.stop();
});

function authorization(): string {
  return basicAuth(cluster.credentials.accountSid, cluster.credentials.authToken);
}

/** The environment `parley` reads to talk to one node. */
function cliEnv(node: number): NodeJS.ProcessEnv {
  return cleanEnv({ PARLEY_URL: cluster.nodes[node]!.url, PARLEY_ACCOUNT_SID: cluster.credentials.accountSid, PARLEY_AUTH_TOKEN: cluster.credentials.authToken });
}

/** `parley_cluster_nodes` as one node exposes it: alive and expired, or null when the series is absent. */
async function nodesGauge(node: number): Promise<{ alive: number | undefined; expired: number | undefined } | null> {
  const res = await fetch(`${cluster.nodes[node]!.url}/metrics`, { headers: { authorization: authorization() } });
  assert.equal(res.status, 200);
  const families = parseExposition(await res.text());
  if (!families.get('parley_cluster_nodes')?.samples.length) return null;
  return { alive: valueOf(families, 'parley_cluster_nodes', { state: 'alive' }), expired: valueOf(families, 'parley_cluster_nodes', { state: 'expired' }) };
}

async function clusterOn(node: number): Promise<ClusterJson> {
  return (await statusOn(node)).cluster;
}

async function statusOn(node: number): Promise<{ cluster: ClusterJson; channels: unknown[] }> {
  const res = await fetch(`${cluster.nodes[node]!.url}/parley/status`, { headers: { authorization: authorization() } });
  assert.equal(res.status, 200);
  const status = (await res.json()) as { cluster: ClusterJson | null; channels: unknown[] };
  assert.ok(status.cluster, 'a node of a cluster has a cluster on its status page');
  return { ...status, cluster: status.cluster };
}

/** Polls `check` until it holds (the nodes' heartbeats run on their own timers), at most 15 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within 15 s: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('each node names itself and lists both nodes alive, with their hosts, pids and heartbeats', async () => {
  const ids = [await cluster.nodeIdOf(0), await cluster.nodeIdOf(1)];
  for (const node of [0, 1]) {
    const view = await clusterOn(node);
    assert.equal(view.this_node, ids[node]);
    assert.ok(view.nodes);
    assert.deepEqual(view.nodes.map((n) => n.id).sort(), [...ids].sort());
    for (const n of view.nodes) {
      assert.equal(n.alive, true, n.id);
      assert.equal(n.host, hostname());
      assert.equal(n.pid, cluster.nodes[ids.indexOf(n.id)]!.child!.pid);
      assert.equal(n.lease_seconds, 3); // startCluster's --lease 3s
      assert.ok(Date.parse(n.last_heartbeat) >= Date.parse(n.started_at), `${n.last_heartbeat} after ${n.started_at}`);
    }
    assert.deepEqual(await nodesGauge(node), { alive: 2, expired: 0 });
  }
  const res = await fetch(`${cluster.nodes[0]!.url}/metrics`, { headers: { authorization: authorization() } });
  const check = await promtoolCheck(await res.text());
  assert.equal(check.code, 0, `promtool check metrics:\n${check.output}`);
});

test('the console draws the nodes, this one marked, and says the rest of the page is its own', { timeout: 60_000 }, async () => {
  const ids = [await cluster.nodeIdOf(0), await cluster.nodeIdOf(1)];
  browser = await launchChromium();
  const { page } = await consolePage(browser, cluster.nodes[0]!.url, { sid: cluster.credentials.accountSid, authToken: cluster.credentials.authToken });
  await page.goto('/#/status');
  const mine = page.locator('table.nodes tr.this-node');
  await mine.locator('td', { hasText: `${ids[0]} (this node)` }).waitFor();
  await mine.locator('.state.bound', { hasText: 'alive' }).waitFor();
  const other = page.locator('table.nodes tbody tr', { hasText: ids[1]! });
  await other.locator('.state.bound', { hasText: 'alive' }).waitFor();
  assert.equal(await other.getAttribute('class'), null, 'only the answering node is marked');
  assert.match((await page.locator('p.note', { hasText: 'One of several nodes' }).textContent()) ?? '', new RegExp(`this page shows node ${ids[0]}`));
  await page.context().close();
});

test('parley nodes prints both, alive, this one marked; --json as the route answers', async () => {
  const ids = [await cluster.nodeIdOf(0), await cluster.nodeIdOf(1)];
  const env = cliEnv(1);
  const text = await runCli(['nodes'], env);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 2, text.stdout);
  for (const [i, id] of ids.entries()) {
    const line = lines.find((l) => l.startsWith(`${id} `));
    assert.ok(line, `${id} in ${text.stdout}`);
    assert.match(line, new RegExp(` pid ${cluster.nodes[i]!.child!.pid} +alive +started \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ +heartbeat `));
    assert.equal(line.endsWith('(this node)'), i === 1, line);
  }
  const json = await runCli(['nodes', '--json'], env);
  assert.equal(json.code, 0, json.stderr);
  const { cluster: view } = JSON.parse(json.stdout) as { cluster: ClusterJson };
  assert.equal(view.this_node, ids[1]);
  assert.deepEqual(view.nodes?.map((n) => n.id).sort(), [...ids].sort());
});

test('a node stalled past its lease shows as expired, and under a new id once it wakes', { timeout: 60_000 }, async () => {
  const stalled = await cluster.nodeIdOf(1);
  cluster.nodes[1]!.child!.kill('SIGSTOP');
  try {
    await cluster.backdate(1); // its lease ran out an hour ago, by the database's clock
    const view = await clusterOn(0);
    assert.equal(view.nodes?.find((n) => n.id === stalled)?.alive, false);
    assert.equal(view.nodes?.find((n) => n.id === view.this_node)?.alive, true);
    assert.deepEqual(await nodesGauge(0), { alive: 1, expired: 1 });
    const printed = await runCli(['nodes'], cliEnv(0));
    assert.match(printed.stdout, new RegExp(`^${stalled} .* lease expired `, 'm'));
  } finally {
    cluster.nodes[1]!.child!.kill('SIGCONT');
  }
  // Awake, it finds its lease gone and joins again under a new id, deleting its old row.
  await until('the woken node listed alive under a new id, its old row gone', async () => {
    const nodes = (await clusterOn(0)).nodes ?? [];
    return nodes.length === 2 && nodes.every((n) => n.alive) && !nodes.some((n) => n.id === stalled);
  });
  assert.notEqual(await cluster.nodeIdOf(1), stalled);
});

test('when the database cannot list the nodes, the page still answers and says why, and the gauge is left out', async () => {
  // For a moment, as a database whose table is out of reach (the heartbeats every second may miss one; a lease is 3 s).
  await cluster.db.sql('ALTER TABLE nodes RENAME TO nodes_away');
  let status;
  let gauge;
  let printed;
  try {
    status = await statusOn(0);
    gauge = await nodesGauge(0);
    printed = await runCli(['nodes'], cliEnv(0));
  } finally {
    await cluster.db.sql('ALTER TABLE nodes_away RENAME TO nodes');
  }
  assert.equal(status.cluster.this_node, await cluster.nodeIdOf(0));
  assert.equal(status.cluster.nodes, null);
  assert.match(status.cluster.reason ?? '', /^the database does not answer: .*nodes/);
  assert.equal(gauge, null, 'the gauge is left out, not shown stale');
  assert.equal(printed.code, 1, 'parley nodes fails when the nodes cannot be listed');
  assert.match(printed.stderr, /could not list the nodes: the database does not answer: /);
  assert.equal(status.channels.length, 1, 'the rest of the page as always');
});

test('a node stopped cleanly leaves the list', async () => {
  await cluster.kill(1, 'SIGTERM');
  const view = await clusterOn(0);
  assert.deepEqual(view.nodes?.map((n) => n.id), [view.this_node]);
  assert.deepEqual(await nodesGauge(0), { alive: 1, expired: 0 });
});
