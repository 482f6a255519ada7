/**
 * `parley nodes`: the nodes of a gateway that runs on several (PostgreSQL), as the database knows
 * them: each one's id, host, pid, whether its lease runs, its start and last heartbeat, and which one
 * answered; read from `GET /parley/nodes` (the default account's credentials). A gateway alone says
 * so. Exits 1 when the gateway could not read its database.
 */
import { callApi } from '../api-client.js';
import { CONNECTION_OPTIONS, connectionFrom, optionsHelp, parseOptions, type OptionSpec } from '../options.js';
import { UsageError, type Command } from '../usage.js';
import type { ClusterJson } from '../../http/representations/cluster.js';

const SPECS: OptionSpec[] = [...CONNECTION_OPTIONS, { flag: '--json', value: null, help: 'print the JSON as Parley answers it' }];

const utc = (iso: string): string => `${iso.replace('T', ' ').slice(0, 19)}Z`;

export function nodeLines(cluster: ClusterJson & { nodes: NonNullable<ClusterJson['nodes']> }): string[] {
  const rows = cluster.nodes.map((n) => [
    n.id, n.host, `pid ${n.pid}`, n.alive ? 'alive' : 'lease expired', `started ${utc(n.started_at)}`, `heartbeat ${utc(n.last_heartbeat)}`,
    n.id === cluster.this_node ? '(this node)' : '',
  ]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

export const nodes: Command = {
  help: () => optionsHelp('parley nodes [--json]', SPECS),
  async run(args) {
    const { options, positional } = parseOptions(args, SPECS);
    if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const answer = await callApi<{ cluster: ClusterJson | null }>(connectionFrom(options), 'GET', '/parley/nodes');
    if (options.has('--json')) {
      console.log(JSON.stringify(answer, null, 2));
    } else if (!answer.cluster) {
      console.log('one node: this gateway runs alone on its database (SQLite), with no other nodes');
    } else if (answer.cluster.nodes) {
      console.log(nodeLines({ ...answer.cluster, nodes: answer.cluster.nodes }).join('\n'));
    }
    if (answer.cluster && !answer.cluster.nodes) {
      console.error(`parley: node ${answer.cluster.this_node} could not list the nodes: ${answer.cluster.reason ?? 'no reason given'}`);
      return 1;
    }
    return 0;
  },
};
