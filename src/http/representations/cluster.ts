/**
 * The cluster as `GET /parley/status` shows it: which node answered, and every node the shared
 * database knows, alive or not yet forgotten. Null for a gateway that runs alone (SQLite), whose
 * status page is the whole gateway's; on a cluster the rest of the page is the answering node's.
 */
import type { ClusterMembership, ClusterNode } from '../../stores/store.js';
import { within } from '../../clock/deadline.js';

export interface ClusterNodeJson {
  id: string;
  host: string;
  pid: number;
  started_at: string;
  last_heartbeat: string;
  lease_seconds: number;
  /** Its lease runs: it holds its work. A node whose lease ran out has had its work taken over. */
  alive: boolean;
}

export interface ClusterJson {
  /** The node that answered, whose numbers the rest of the status page shows. */
  this_node: string;
  /** Null when the database did not answer in time; `reason` says why. */
  nodes: ClusterNodeJson[] | null;
  reason?: string;
}

export function clusterNodeJson(node: ClusterNode): ClusterNodeJson {
  return {
    id: node.id, host: node.host, pid: node.pid, started_at: node.startedAt.toISOString(), last_heartbeat: node.heartbeatAt.toISOString(),
    lease_seconds: node.leaseMs / 1000, alive: node.alive,
  };
}

/** The cluster's part of the status page, waiting at most `timeoutMs` for the database. */
export async function clusterJson(cluster: ClusterMembership | undefined, timeoutMs: number): Promise<ClusterJson | null> {
  if (!cluster) return null;
  const thisNode = cluster.nodeId;
  try {
    const nodes = await within(cluster.nodes(), timeoutMs, () => new Error(`no answer within ${timeoutMs / 1000} s`));
    return { this_node: thisNode, nodes: nodes.map(clusterNodeJson) };
  } catch (error) {
    return { this_node: thisNode, nodes: null, reason: `the database does not answer: ${error instanceof Error ? error.message : String(error)}` };
  }
}
