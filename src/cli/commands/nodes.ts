/**
 * `parley nodes`: the nodes of a gateway that runs on several (PostgreSQL), as the database knows
 * them: each one's id, host, pid, whether its lease runs, its start and last heartbeat, and which one
 * answered; read from `GET /parley/nodes` (the default account's credentials). A gateway alone says
 * so. Exits 1 when the gateway could not read its database.
 */
import { routeReader } from '../route-reader.js';
import { alignedColumns, utcTime } from '../format.js';
import type { ClusterJson } from '../../http/representations/cluster.js';

export function nodeLines(cluster: ClusterJson & { nodes: NonNullable<ClusterJson['nodes']> }): string[] {
  const rows = cluster.nodes.map((n) => [
    n.id, n.host, `pid ${n.pid}`, n.alive ? 'alive' : 'lease expired', `started ${utcTime(n.started_at)}`, `heartbeat ${utcTime(n.last_heartbeat)}`,
    n.id === cluster.this_node ? '(this node)' : '',
  ]);
  return alignedColumns(rows);
}

export const nodes = routeReader<{ cluster: ClusterJson | null }>('parley nodes [--json]', '/parley/nodes', ({ cluster }) => {
  if (!cluster) return { lines: ['one node: this gateway runs alone on its database (SQLite), with no other nodes'] };
  if (!cluster.nodes) return { lines: [], failure: `node ${cluster.this_node} could not list the nodes: ${cluster.reason ?? 'no reason given'}` };
  return { lines: nodeLines({ ...cluster, nodes: cluster.nodes }) };
});
