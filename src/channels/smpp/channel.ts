/**
 * The SMPP channel: Parley as an ESME (SMPP 3.4 client) of a carrier's SMSC, behind the Channel
 * contract (../channel.ts). One transceiver bind, or a transmitter bind plus a receiver bind
 * (`bind: transmitter-receiver`), `binds` times over; outbound messages wait in the send queue
 * (send-queue.ts) until the SMSC accepts every part; deliver_sm (messages and receipts), on any
 * bind, go to inbound.ts.
 *
 * `start` does not wait for the bind: a channel that cannot bind is `down` with the reason, and the
 * messages given to it wait (in order per conversation) until it binds or their validity ends.
 */
import { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import type { BindStatus, Channel, ChannelHost, ChannelStatus, ClientCertificate, SendOptions, SendOutcome } from '../channel.js';
import type { ChannelDeps } from '../registry.js';
import { presentedCertificate, type SmppChannelConfig } from '../../config/channels.js';
import type { MessageRecord } from '../../stores/records.js';
import { interfaceVersionByte } from './library.js';
import { SmppLink, type LinkState } from './link.js';
import { SendQueue } from './send-queue.js';
import { InboundHandler } from './inbound.js';
import type { BindMode, SessionSettings } from './session.js';
import type { ErrorOverrides } from './errors.js';

export class SmppChannel implements Channel {
  readonly type = 'smpp';
  readonly name: string;
  private host: ChannelHost | null = null;
  private config: SmppChannelConfig;
  private readonly links: SmppLink[] = [];
  private readonly newLink: (mode: BindMode) => SmppLink;
  private readonly queue: SendQueue;
  private readonly inbound: InboundHandler;
  private readonly certificate: ClientCertificate | null;
  /** `state` (a ChannelStatus) whenever a bind comes up or goes down: for whoever watches (tests, a live view). */
  readonly events = new EventEmitter();

  constructor(config: SmppChannelConfig, deps: ChannelDeps) {
    this.config = config;
    this.name = config.name;
    this.certificate = presentedCertificate(config);
    const overrides = overridesOf(config);
    const settings: SessionSettings = {
      host: config.host, port: config.port, tls: config.tls ? { ca: config.tlsCa, verify: config.tlsVerify, servername: config.tlsServername, client: clientCertificate(config) } : null,
      systemId: config.systemId, password: config.password, systemType: config.systemType,
      addressRange: config.addressRange, bindTon: config.bindTon, bindNpi: config.bindNpi,
      interfaceVersion: interfaceVersionByte(config.interfaceVersion), enquireLinkMs: config.enquireLinkMs, responseTimeoutMs: config.responseTimeoutMs,
    };
    const logger = deps.logger;
    this.inbound = new InboundHandler({ config, overrides, host: () => this.host, clock: deps.clock, logger });
    this.newLink = (mode) => new SmppLink({
      // The delays as configured now: a reload may have changed them (adjust) before this bind is added.
      settings, mode, name: mode, reconnectDelayMs: this.config.reconnectDelayMs, reconnectDelayMaxMs: this.config.reconnectDelayMaxMs, clock: deps.clock, logger,
      channel: config.name,
      deliver: (pdu, session) => this.inbound.handle(pdu, session),
      bound: () => { if (mode !== 'receiver') this.queue.wake(); },
      changed: () => this.events.emit('state', this.status()),
    });
    this.addBinds(config.binds);
    this.queue = new SendQueue({ config, overrides, host: () => this.host, clock: deps.clock, logger, transmitters: this.transmitters() });
  }

  /**
   * Takes a reload's configuration while running when only what needs no new connection changed
   * (ADJUSTABLE_KEYS): the numbers and failovers (the router's), the number of binds, the reconnect
   * delays, and the settings of what it sends and receives. New binds connect; binds no longer
   * wanted unbind, and what they had in flight goes again on the others.
   */
  async adjust(next: SmppChannelConfig): Promise<boolean> {
    if (!isDeepStrictEqual(withoutAdjustable(this.config), withoutAdjustable(next))) return false;
    const leaving = this.links.splice(next.binds * this.modes.length);
    const joining = this.addBinds(next.binds); // names every bind again, also after a removal
    this.config = next;
    const overrides = overridesOf(next);
    this.queue.configure(next, overrides, this.transmitters());
    this.inbound.configure(next, overrides);
    for (const link of this.links) link.setReconnectDelays(next.reconnectDelayMs, next.reconnectDelayMaxMs);
    if (this.host) for (const link of joining) link.start();
    await Promise.all(leaving.map((l) => l.stop()));
    this.events.emit('state', this.status());
    return true;
  }

  /** The modes of one bind: a transceiver, or a transmitter and a receiver. */
  private get modes(): readonly BindMode[] {
    return this.config.bind === 'transceiver' ? ['transceiver'] : ['transmitter', 'receiver'];
  }

  /** Adds links up to `binds` binds, named in order; returns the new ones (not started). */
  private addBinds(binds: number): SmppLink[] {
    const added: SmppLink[] = [];
    while (this.links.length + added.length < binds * this.modes.length) {
      for (const mode of this.modes) added.push(this.newLink(mode));
    }
    this.links.push(...added);
    this.nameBinds();
    return added;
  }

  /** Each bind's mode, numbered when there are several (`transceiver 2`). */
  private nameBinds(): void {
    const several = this.links.length > this.modes.length;
    this.links.forEach((link, i) => { link.name = several ? `${link.mode} ${Math.floor(i / this.modes.length) + 1}` : link.mode; });
  }

  private transmitters(): SmppLink[] {
    return this.links.filter((l) => l.mode !== 'receiver');
  }

  async start(host: ChannelHost): Promise<void> {
    this.host = host;
    this.inbound.start();
    for (const link of this.links) link.start();
  }

  send(message: MessageRecord, options?: SendOptions): Promise<SendOutcome> {
    return this.queue.send(message, options);
  }

  release(leave: (message: MessageRecord) => boolean): MessageRecord[] {
    return this.queue.release(leave);
  }

  /**
   * Stops submitting and waits for the responses in flight, stops taking deliver_sm and waits for
   * those being stored, then unbinds. Messages still held stay queued in the store.
   */
  async stop(): Promise<void> {
    await this.queue.stop(this.config.responseTimeoutMs);
    await this.inbound.stop();
    await Promise.all(this.links.map((l) => l.stop()));
    this.host = null;
  }

  status(): ChannelStatus {
    const binds = this.links.map((l): BindStatus => {
      const session = l.bound;
      return { name: l.name, ...l.state(), inFlight: session ? this.queue.inFlightOn(session) : 0 };
    });
    const { state, reason, since } = channelState(binds, this.links.map((l) => l.mode));
    return {
      name: this.name, type: this.type, state, reason, since,
      waiting: this.queue.waiting, inFlight: this.queue.inFlight, numbers: this.config.numbers,
      destinations: this.config.destinations, failover: this.config.failover,
      ...(this.certificate ? { clientCertificate: this.certificate } : {}),
      binds,
    };
  }

  /** Receipts that could not be read (no id or state), since start. */
  get unreadableReceipts(): number {
    return this.inbound.unreadableReceipts;
  }
}

const RANK = { bound: 0, connecting: 1, down: 2 } as const;

/**
 * The channel's state from its binds': it is `bound` when it can both send and receive, that is when
 * some bind that submits and some bind that receives are bound. Otherwise it takes the state of the
 * role that is worse off (the best of that role's binds), named by the bind when there are several.
 * So one transceiver's state is the channel's; of a transmitter and a receiver, the worse one, named;
 * of several, the channel stays `bound` while one of each role is, and its binds show the rest.
 */
function channelState(binds: readonly BindStatus[], modes: readonly BindMode[]): LinkState {
  const role = (takes: (mode: BindMode) => boolean): BindStatus => {
    const candidates = binds.filter((_, i) => takes(modes[i]!));
    // The best bind of the role; among bound ones the earliest bound, since the role has been up since then.
    return candidates.reduce((a, b) => (RANK[b.state] < RANK[a.state] || (b.state === 'bound' && a.state === 'bound' && b.since < a.since) ? b : a));
  };
  const sending = role((mode) => mode !== 'receiver');
  const receiving = role((mode) => mode !== 'transmitter');
  const worse = RANK[receiving.state] > RANK[sending.state] ? receiving : sending;
  if (worse.state === 'bound') return { state: 'bound', reason: null, since: Math.max(sending.since, receiving.since) };
  const named = binds.length > 1 && worse.reason !== null ? `${worse.name}: ${worse.reason}` : worse.reason;
  return { state: worse.state, reason: named, since: worse.since };
}

/**
 * What a running channel can take from a reload without reconnecting (SmppChannel.adjust): its
 * numbers, destinations and failovers (the router's), how many binds, the reconnect delays (for each bind's next
 * wait), and every setting of what it sends and receives. What a bind is made with (the address,
 * the account, TLS, the bind's own fields, its timers) takes a restart.
 */
const ADJUSTABLE_KEYS = [
  'numbers', 'destinations', 'failover', 'failoverAfterMs', 'binds', 'window', 'throughput', 'retryDelayMs', 'retryDelayMaxMs',
  'reconnectDelayMs', 'reconnectDelayMaxMs', 'dataCoding', 'serviceType', 'sourceTon', 'sourceNpi', 'destTon', 'destNpi',
  'receipts', 'priority', 'validityPeriod', 'longMessages',
  'receiptId', 'errorCodes', 'reassemblyTimeoutMs',
] as const satisfies ReadonlyArray<keyof SmppChannelConfig>;

/** The channel's changes to the SMPP → Twilio error mapping. */
function overridesOf(config: SmppChannelConfig): ErrorOverrides {
  return { commandStatus: config.errorCodes.commandStatus, receiptError: config.errorCodes.receiptError };
}

function withoutAdjustable(config: SmppChannelConfig): Partial<SmppChannelConfig> {
  const rest: Partial<SmppChannelConfig> = { ...config };
  for (const key of ADJUSTABLE_KEYS) delete rest[key];
  return rest;
}

/** The client certificate to present, when the configuration names one (it checked that both files go together). */
function clientCertificate(config: SmppChannelConfig): { cert: string; key: string } | null {
  return config.tlsCert !== null && config.tlsKey !== null ? { cert: config.tlsCert, key: config.tlsKey } : null;
}
