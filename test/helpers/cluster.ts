/**
 * Test helper: several `parley serve` processes on one fresh PostgreSQL database, each on its own
 * port with the same credentials: one gateway of several nodes. Nodes can be SIGKILLed, stopped
 * (SIGSTOP) and restarted; `backdate` makes a node dead in the database's eyes at once (its
 * heartbeat an hour old), so lease take-over is tested without waiting for a lease to run out.
 */
import { Api, GatewayProcess, freePort, newCredentials, type Credentials } from './gateway-process.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export interface Cluster {
  db: TestDatabase;
  credentials: Credentials;
  nodes: GatewayProcess[];
  apis: Api[];
  /** The API of a node that is up (started and healthy), chosen at random. */
  anyLive(): Api;
  isUp(index: number): boolean;
  /** Kills a node (it counts as down from now on) and resolves when it has exited. */
  kill(index: number, signal: NodeJS.Signals): Promise<void>;
  /** Starts a node again; it counts as up once it answers /healthz. */
  restart(index: number): Promise<void>;
  /** The node id a process registered under (its row in `nodes`, by pid). */
  nodeIdOf(index: number): Promise<string>;
  /** Makes the node's heartbeat an hour old: its lease has run out. */
  backdate(index: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startCluster(size: number, options: { lease?: string; extraArgs?: string[] } = {}): Promise<Cluster> {
  const db = await createTestDatabase();
  const credentials = newCredentials();
  const args = ['--lease', options.lease ?? '3s', ...(options.extraArgs ?? [])];
  const nodes: GatewayProcess[] = [];
  for (let i = 0; i < size; i++) nodes.push(new GatewayProcess(await freePort(), db.url, credentials, args));
  try {
    // Started together: migrations and the default account race, and must not fail.
    await Promise.all(nodes.map((n) => n.start()));
  } catch (error) {
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await db.drop();
    throw error;
  }
  const apis = nodes.map((n) => new Api(n.url, credentials));
  const down = new Set<number>();
  const isUp = (i: number): boolean => !down.has(i) && nodes[i]!.child !== null;
  const nodeIdOf = async (i: number): Promise<string> => {
    const pid = nodes[i]!.child?.pid;
    const rows = await db.sql<{ id: string }>('SELECT id FROM nodes WHERE pid = $1 ORDER BY started_at DESC LIMIT 1', [pid]);
    if (!rows[0]) throw new Error(`node ${i} (pid ${pid}) is not registered`);
    return rows[0].id;
  };
  return {
    db,
    credentials,
    nodes,
    apis,
    anyLive: () => {
      const live = apis.filter((_, i) => isUp(i));
      return live[Math.floor(Math.random() * live.length)] ?? apis[0]!;
    },
    isUp,
    kill: async (i, signal) => {
      down.add(i);
      await nodes[i]!.kill(signal);
    },
    restart: async (i) => {
      await nodes[i]!.start();
      down.delete(i);
    },
    nodeIdOf,
    backdate: async (i) => {
      await db.sql("UPDATE nodes SET heartbeat = heartbeat - interval '1 hour' WHERE id = $1", [await nodeIdOf(i)]);
    },
    stop: async () => {
      for (const n of nodes) if (n.child) n.child.kill('SIGCONT');
      await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
      await db.drop();
    },
  };
}

/**
 * Resolves once no outbound message is in any of `statuses` (a dead node's are taken over by the
 * others after its lease), or rejects after `withinMs` naming those left. It polls the database:
 * the deliveries happen in other processes, with no event this process could wait on.
 */
async function noneLeft(db: TestDatabase, statuses: readonly string[], what: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  const sql = "SELECT sid, status, node FROM messages WHERE direction <> 'inbound' AND status = ANY ($1)";
  for (;;) {
    const left = await db.sql(sql, [statuses]);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${left.length} replies still not ${what} after ${withinMs} ms: ${JSON.stringify(left.slice(0, 10))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every reply was handed to its channel: none is left accepted, queued or sending. */
export function allHandedOver(db: TestDatabase, withinMs = 30_000): Promise<void> {
  return noneLeft(db, ['accepted', 'queued', 'sending'], 'handed to the channel', withinMs);
}

/** Every reply reached `delivered` (when no node died: the simulator's receipts live in its node's memory). */
export function allDelivered(db: TestDatabase, withinMs = 30_000): Promise<void> {
  return noneLeft(db, ['accepted', 'queued', 'sending', 'sent'], 'delivered', withinMs);
}
