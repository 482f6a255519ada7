/**
 * The gateway: the conversation loop wired together. Channels hand it inbound messages; it stores
 * them, runs each conversation's turns in order, commits their outcomes and hands the replies to
 * the channel. Everything else (HTTP routes, CLI, test harness) drives it through this class.
 */
import type { Clock } from '../clock/clock.js';
import type { CarrierReceipt, ChannelStatus, InboundInput } from '../channels/channel.js';
import type { ChannelRouter } from '../channels/router.js';
import { SIMULATOR_CHANNEL } from '../channels/simulator/channel.js';
import type { Store } from '../stores/store.js';
import type { AccountRecord, MessageRecord, PendingTurn, TurnClaim, TurnOutcome } from '../stores/records.js';
import { conversationId } from '../stores/records.js';
import { EventBus } from '../events/bus.js';
import { WebhookClient } from '../webhooks/client.js';
import { Delivery } from '../delivery/delivery.js';
import { ConversationCache } from '../conversations/state.js';
import { TurnScheduler } from '../conversations/scheduler.js';
import { ClaimedTurnScheduler } from '../conversations/claimed-scheduler.js';
import { relayEvents } from '../events/relay.js';
import { ClusterWork } from './cluster-work.js';
import { runTurn } from '../conversations/turn.js';
import type { Logger } from '../logging/logger.js';
import { isOptedOut } from '../messages/opt-outs.js';
import { TwilioError } from '../errors/twilio-error.js';
import { inboundWebhookFor } from './inbound-webhook.js';
import { createChannelHost, inboundRecord } from './channel-host.js';
import { settleReply, type SettledReply } from '../delivery/settled.js';
import { settlesWithin } from '../clock/deadline.js';

/**
 * How long a carrier's receipt that matched no part is kept, in case its part is recorded later
 * (a receipt can overtake the record of its submit_sm_resp by moments, never by an hour).
 */
export const UNMATCHED_RECEIPT_KEEP_MS = 3_600_000;

export interface GatewayOptions {
  store: Store;
  clock: Clock;
  /** The channels, and which one carries each Parley number. */
  channels: ChannelRouter;
  sessionTtlMs: number;
  logger: Logger;
  /** Concurrent turns across conversations. */
  maxConcurrentTurns?: number;
  /** Refuse webhooks to private and link-local addresses (shared deployments; off by default). */
  blockPrivateWebhooks?: boolean;
  /** Webhook exchange records and alerts older than this are deleted (messages are kept). */
  traceRetentionMs?: number;
}

/**
 * Where a gateway is in its life: `starting` while it resumes what a previous run left (it already
 * takes work), `ready`, `draining` once `stop` is called (it takes no new work and lets running
 * turns finish), `stopped`. Readiness (`GET /readyz`) reports it.
 */
export type GatewayPhase = 'starting' | 'ready' | 'draining' | 'stopped';

export class Gateway {
  readonly events = new EventBus();
  readonly store: Store;
  readonly clock: Clock;
  readonly sessionTtlMs: number;
  readonly traceRetentionMs: number;
  readonly delivery: Delivery;
  private readonly client: WebhookClient;
  private readonly conversations: ConversationCache;
  private readonly scheduler: TurnScheduler | ClaimedTurnScheduler;
  /** With a store shared by several nodes: this node's share of the work, and the event relay. */
  private readonly clusterWork: ClusterWork | null = null;
  private stopRelay: (() => void) | null = null;
  readonly channels: ChannelRouter;
  readonly logger: Logger;
  /** Receipts that matched no message since start (also counted by the metrics). */
  unmatchedReceipts = 0;
  private sweepTimer: NodeJS.Timeout | null = null;
  private resuming: Promise<void> = Promise.resolve();
  private currentPhase: GatewayPhase = 'starting';

  constructor(options: GatewayOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.channels = options.channels;
    this.sessionTtlMs = options.sessionTtlMs;
    this.traceRetentionMs = options.traceRetentionMs ?? Number.POSITIVE_INFINITY;
    this.logger = options.logger;
    this.client = new WebhookClient({ blockPrivateAddresses: options.blockPrivateWebhooks ?? false });
    // A shared store's jars may change on another node between two turns here (a forget, an
    // expiry, the conversation handled elsewhere): read the jar at the start of every turn.
    this.conversations = new ConversationCache(this.store, this.store.cluster ? 0 : undefined);
    this.delivery = new Delivery({
      store: this.store, channel: this.channels, clock: this.clock, events: this.events,
      screen: async (m) => (await this.mustNotSend(m) ? 21610 : null),
    });
    const maxConcurrent = options.maxConcurrentTurns !== undefined ? { maxConcurrent: options.maxConcurrentTurns } : {};
    const cluster = this.store.cluster;
    if (cluster) {
      // Several nodes: only conversations this node holds, in the store's order (claimed-scheduler.ts).
      const scheduler = new ClaimedTurnScheduler({
        run: (turn) => this.runPendingTurn(turn), claims: cluster, ...maxConcurrent,
        onError: (error, id) => this.logger.error({ err: error, conversationId: id }, 'turn failed; its conversation is read again after a backoff'),
        onFenced: (turn) => this.logger.warn({ messageSid: turn.messageSid, conversationId: turn.conversationId },
          "a turn's commit was refused: another node took its conversation over (this node's lease ran out); the turn is that node's now"),
      });
      this.scheduler = scheduler;
      this.clusterWork = new ClusterWork({ cluster, scheduler, delivery: this.delivery, logger: this.logger });
    } else {
      this.scheduler = new TurnScheduler({
        run: (turn) => this.runPendingTurn(turn),
        loadPending: (limit) => this.store.turns.pending(limit),
        ...maxConcurrent,
        onError: (error, turn) => this.logger.error({ err: error, messageSid: turn.messageSid }, 'turn failed; it stays pending and runs again after a backoff'),
      });
    }
  }

  /** Starts the channel and resumes whatever a previous run left unfinished. */
  async start(): Promise<void> {
    await this.channels.start(createChannelHost({
      store: this.store, clock: this.clock, delivery: this.delivery, logger: this.logger,
      receive: (input) => this.receive(input),
      accepted: (message, channel) => this.accepted(message, undefined, channel),
      assertTakingWork: () => this.assertTakingWork(),
      onUnmatchedReceipt: (receipt: CarrierReceipt) => {
        this.unmatchedReceipts++;
        this.events.emit({ type: 'receipt-unmatched', channel: receipt.channel, smscId: receipt.smscId ?? receipt.receiptKey });
      },
    }));
    if (this.store.cluster) {
      this.stopRelay = relayEvents(this.events, this.store.cluster, this.store, (error) => this.logger.warn({ err: error }, 'relaying another node\'s event failed'));
    }
    await this.scheduler.resume();
    // In the background: a carrier channel holds messages until it is bound (and until the SMSC
    // takes them), so waiting here would keep Parley from starting while a carrier is down.
    this.resuming = this.delivery.resume().then(() => undefined, (error: unknown) => {
      this.logger.error({ err: error }, 'handing over the messages left unsent failed; they are handed over on the next start');
    });
    this.clusterWork?.start();
    await this.sweep();
    if (this.currentPhase !== 'starting') return; // stopped while starting
    this.sweepTimer = setInterval(() => void this.sweep().catch((error: unknown) => this.logger.error({ err: error }, 'sweep failed')), 60_000);
    this.sweepTimer.unref();
    this.currentPhase = 'ready';
  }

  get phase(): GatewayPhase {
    return this.currentPhase;
  }

  /**
   * Throws 20503 once the gateway is draining: new inbound messages and API-created messages are
   * refused (not stored, so not acknowledged), and the sender tries again on another node or later.
   */
  assertTakingWork(): void {
    if (this.currentPhase === 'draining' || this.currentPhase === 'stopped') {
      throw new TwilioError(20503, 'Parley is shutting down and takes no new messages; try again shortly');
    }
  }

  /**
   * Drains: takes no new work, lets the running turns finish and commit (for at most `timeoutMs`),
   * then unbinds the channels. Turns not started stay pending in the store for the next start (or
   * another node). Resolves with whether every running turn finished in time; if not, the caller
   * closes the store before `abandon()`, so that what those turns still do is never committed.
   */
  async stop(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.currentPhase !== 'stopped') this.currentPhase = 'draining';
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.clusterWork?.stop();
    const finished = await settlesWithin(this.scheduler.stop(), timeoutMs);
    await this.channels.stop();
    await this.delivery.stop();
    await this.resuming; // ends once the channels and Delivery have stopped
    if (finished) await this.client.close();
    this.stopRelay?.();
    this.currentPhase = 'stopped';
    return finished;
  }

  /** Cuts the webhook requests of turns a drain gave up on (after the store is closed). */
  async abandon(): Promise<void> {
    await this.client.destroy();
  }

  /** An inbound message from a handset: stored (durably) before this resolves, then its turn runs. */
  async receive(input: InboundInput): Promise<MessageRecord> {
    this.assertTakingWork();
    const { serviceSid } = await inboundWebhookFor(this.store, input.accountSid, input.to);
    const message = inboundRecord(input, serviceSid, this.clock.now());
    const claim = await this.store.messages.insert(message, { startTurn: true });
    this.accepted(message, claim, input.channel ?? SIMULATOR_CHANNEL);
    return message;
  }

  /**
   * A stored inbound message: announced (with the channel it came by), and its turn scheduled under
   * the claim the store gave (null: another node runs it; undefined: not known, the scheduler asks
   * the store).
   */
  private accepted(message: MessageRecord, claim: TurnClaim | null | undefined, channel: string): void {
    this.events.emit({ type: 'message', message, channel });
    if (claim === null) return;
    this.scheduler.enqueue({
      messageSid: message.sid,
      accountSid: message.accountSid,
      inbound: message,
      conversationId: conversationId({ accountSid: message.accountSid, number: message.to, handset: message.from }),
      claim,
    });
  }

  /** Each channel's state, from memory (the console, `parley channels`, metrics). */
  channelStatuses(): ChannelStatus[] {
    return this.channels.statuses();
  }

  /** Refuses a simulated handset's request when there is no simulator (`--carriers-only`: messages come from carriers alone). */
  assertSimulatesHandsets(): void {
    if (this.channels.simulator === null) throw new TwilioError(20006, 'Parley runs with --carriers-only: no handset is simulated, messages come from the carriers', 403);
  }

  /** The simulator makes a handset unreachable; false if the channel has no simulated handsets. */
  setHandsetReachable(accountSid: string, handset: string, reachable: boolean): boolean {
    const simulator = this.channels.simulator;
    if (!simulator?.setHandsetReachable) return false;
    simulator.setHandsetReachable(accountSid, handset, reachable);
    return true;
  }

  /**
   * A TwiML reply (or a REST message, e.g. one scheduled before the STOP) to an opted-out handset
   * is not sent: it ends `failed` with 21610. Parley's own keyword confirmations (no inbound turn,
   * not from the API) go out: Twilio confirms a STOP to the handset that just opted out.
   */
  private async mustNotSend(m: MessageRecord): Promise<boolean> {
    if (m.inboundSid === null && m.direction !== 'outbound-api') return false;
    return isOptedOut(this.store, m.accountSid, m.from, m.to);
  }

  /** Empties a conversation's jar now (the console's "forget cookies"). */
  async forgetCookies(accountSid: string, id: string): Promise<boolean> {
    this.conversations.invalidate(id);
    const forgotten = await this.store.conversations.forget(accountSid, id);
    this.events.emit({ type: 'conversation', accountSid, conversationId: id });
    return forgotten;
  }

  /** The periodic clean-up: expired cookie jars, and traces past their retention. */
  async sweep(): Promise<{ jars: number; exchanges: number; alerts: number; receipts: number }> {
    const jars = await this.sweepExpiredJars();
    const before = this.clock.now() - this.traceRetentionMs;
    const exchanges = await this.store.exchanges.deleteBefore(before);
    const alerts = await this.store.alerts.deleteBefore(before);
    const receipts = await this.store.carrierParts.expireUnmatched(this.clock.now() - UNMATCHED_RECEIPT_KEEP_MS);
    return { jars, exchanges, alerts, receipts };
  }

  /** Forgets every jar idle for longer than the session TTL (also run after a clock advance). */
  async sweepExpiredJars(): Promise<number> {
    const expired = await this.store.conversations.expire(this.clock.now() - this.sessionTtlMs);
    if (expired > 0) this.conversations.invalidate();
    return expired;
  }

  private async runPendingTurn(turn: PendingTurn): Promise<void> {
    const started = performance.now();
    const fresh = turn.inbound !== undefined;
    if (!fresh && await this.store.turns.isDone(turn.messageSid)) return;
    const inbound = turn.inbound ?? await this.store.messages.get(turn.accountSid, turn.messageSid);
    const account = await this.store.accounts.get(turn.accountSid);
    if (!inbound || !account) return;
    const { number, smartEncoding } = await inboundWebhookFor(this.store, inbound.accountSid, inbound.to);
    const conversation = await this.conversations.open(
      { accountSid: inbound.accountSid, number: inbound.to, handset: inbound.from }, inbound.dateCreated, this.sessionTtlMs,
    );
    const outcome = await runTurn({
      fetch: { client: this.client, now: () => this.clock.now() },
      checkpoint: (partial) => this.commit(partial, account, false, fresh, turn.claim),
    }, { inbound, number, authToken: account.authToken, conversation, smartEncoding });
    await this.commit(outcome, account, true, fresh, turn.claim);
    this.conversations.committed(outcome.conversation, conversation.jar);
    this.events.emit({ type: 'turn', accountSid: inbound.accountSid, messageSid: inbound.sid, conversationId: turn.conversationId, errorCode: outcome.errorCode,
      durationMs: performance.now() - started });
  }

  /** Commits (part of) a turn's outcome, then hands its replies to the channel. */
  private async commit(outcome: TurnOutcome, account: AccountRecord, final: boolean, firstRun: boolean, claim: TurnClaim | undefined): Promise<MessageRecord[]> {
    // Replies whose channel knows their fate at once (the simulator) are stored settled in this same
    // commit. Only on a turn's first run (no copy of its replies can be stored yet) and at its end (a
    // <Message action> request is told the status `sent`, as documented).
    const settled = final && firstRun ? await this.settleAtOnce(outcome) : [];
    // The claim fences the commit on a shared store (refused once another node took the conversation).
    await this.store.turns.complete(outcome, { final, claim });
    for (const exchange of outcome.exchanges) this.events.emit({ type: 'exchange', exchange });
    for (const alert of outcome.alerts) this.events.emit({ type: 'alert', alert });
    for (const reply of settled) {
      this.channels.countSent(reply.stored);
      this.delivery.announce(reply.steps);
    }
    if (outcome.replies.length === 0) return [];
    // A turn run before (by a process that crashed) may have stored replies already, and the first
    // stored copy of each wins: read them back. A first run stored exactly what it built.
    const stored = firstRun ? outcome.replies : await this.store.messages.repliesOf(account.sid, outcome.inboundSid);
    const fresh = stored.filter((m) => m.status === 'queued');
    for (const reply of fresh) this.events.emit({ type: 'message', message: reply });
    // A first run made its replies in this process: no channel has had them (SendOptions.firstHandover).
    return Promise.all(fresh.map((reply) => this.delivery.deliver(reply, { firstHandover: firstRun })));
  }

  /**
   * Settles in place the replies whose channel knows their fate now (./delivery/settled.ts), and adds
   * their status callbacks to the outcome. A reply that must not go out (an opted-out handset) takes
   * the usual path, which fails it with 21610.
   */
  private async settleAtOnce(outcome: TurnOutcome): Promise<SettledReply[]> {
    const settled: SettledReply[] = [];
    const at = this.clock.now();
    for (const [i, reply] of outcome.replies.entries()) {
      const fate = this.channels.settleAtOnce(reply);
      if (!fate || await this.mustNotSend(reply)) continue;
      const done = settleReply(reply, fate, at);
      outcome.replies[i] = done.stored;
      settled.push(done);
    }
    if (settled.length > 0) outcome.callbacks = settled.flatMap((s) => s.callbacks);
    return settled;
  }
}
