/**
 * The PostgreSQL store's `cluster` capability (ClusterMembership in ../store.ts): claims on
 * conversations with fencing tokens (the PL/pgSQL functions of ./migrations.ts), this node's
 * membership (./membership.ts), the channel to the other nodes (./notifications.ts), and the list of
 * nodes the database knows.
 */
import type { ClusterMembership } from '../store.js';
import type { PendingTurn, TurnClaim } from '../records.js';
import { LeaseLostError } from '../errors.js';
import { isLeaseLost } from './connection.js';
import type { Write } from './group-commit.js';
import type { Membership } from './membership.js';
import { MAX_PAYLOAD_BYTES, type Notifications } from './notifications.js';
import { SQL, type Read } from './sql.js';

interface NodeRow { id: string; host: string; pid: number; started_at: Date; heartbeat: Date; lease_ms: number; alive: boolean }

/** Turns the fencing functions' SQLSTATE into LeaseLostError. */
export function fenced(id: string): (error: unknown) => never {
  return (error) => {
    throw isLeaseLost(error) ? new LeaseLostError(id) : error;
  };
}

export function clusterMembership(membership: Membership, notifications: Notifications, write: Write, read: Read): ClusterMembership {
  const node = (): string => membership.id;
  return {
    get nodeId() {
      return membership.id;
    },
    claimConversations: async (limit) => (await read<{ conversation_id: string; claim_token: number; claim_how: TurnClaim['how'] }>(
      SQL.claimConversations, [node(), limit],
    )).map((r) => ({ conversationId: r.conversation_id, claim: { token: r.claim_token, how: r.claim_how } })),
    nextTurns: (id, claim, limit) => write(async (tx) => {
      const result = await tx.query<{ message_sid: string; message_account: string }>(SQL.nextTurns, [id, node(), claim.token, limit]).catch(fenced(id));
      const held: TurnClaim = { token: claim.token, how: 'held' };
      return result.rows.map((r): PendingTurn => ({ messageSid: r.message_sid, accountSid: r.message_account, conversationId: id, claim: held }));
    }, { conversation: id }),
    watchers: () => membership.peers.list(),
    watch: (interest) => membership.watch(interest),
    broadcast: (payload) => notifications.send(payload),
    maxPayloadBytes: MAX_PAYLOAD_BYTES,
    onBroadcast: (listener) => notifications.subscribe(listener),
    onLeaseLost: (listener) => membership.onLeaseLost(listener),
    nodes: async () => (await read<NodeRow>(SQL.nodesList, [])).map((r) => ({
      id: r.id, host: r.host, pid: r.pid, startedAt: r.started_at, heartbeatAt: r.heartbeat, leaseMs: r.lease_ms, alive: r.alive,
    })),
  };
}
