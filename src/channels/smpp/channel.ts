/**
 * The SMPP channel: Parley as an ESME (SMPP 3.4 client) of a carrier's SMSC, behind the Channel
 * contract (../channel.ts). One transceiver bind, or a transmitter bind plus a receiver bind
 * (`bind: transmitter-receiver`); outbound messages wait in the send queue (send-queue.ts) until
 * the SMSC accepts every part; deliver_sm (messages and receipts) go to inbound.ts.
 *
 * `start` does not wait for the bind: a channel that cannot bind is `down` with the reason, and the
 * messages given to it wait (in order per conversation) until it binds or their validity ends.
 */
import { EventEmitter } from 'node:events';
import type { Channel, ChannelHost, ChannelStatus, ClientCertificate, SendOptions, SendOutcome } from '../channel.js';
import type { ChannelDeps } from '../registry.js';
import { presentedCertificate, type SmppChannelConfig } from '../../config/channels.js';
import type { MessageRecord } from '../../stores/records.js';
import { interfaceVersionByte } from './library.js';
import { SmppLink, type LinkState } from './link.js';
import { SendQueue } from './send-queue.js';
import { InboundHandler } from './inbound.js';
import type { SessionSettings } from './session.js';
import type { ErrorOverrides } from './errors.js';

export class SmppChannel implements Channel {
  readonly type = 'smpp';
  readonly name: string;
  private host: ChannelHost | null = null;
  private readonly links: SmppLink[];
  private readonly queue: SendQueue;
  private readonly inbound: InboundHandler;
  private readonly certificate: ClientCertificate | null;
  /** `state` (a ChannelStatus) whenever a bind comes up or goes down: for whoever watches (tests, a live view). */
  readonly events = new EventEmitter();

  constructor(private readonly config: SmppChannelConfig, deps: ChannelDeps) {
    this.name = config.name;
    this.certificate = presentedCertificate(config);
    const overrides: ErrorOverrides = { commandStatus: config.errorCodes.commandStatus, receiptError: config.errorCodes.receiptError };
    const settings: SessionSettings = {
      host: config.host, port: config.port, tls: config.tls ? { ca: config.tlsCa, verify: config.tlsVerify, servername: config.tlsServername, client: clientCertificate(config) } : null,
      systemId: config.systemId, password: config.password, systemType: config.systemType,
      addressRange: config.addressRange, bindTon: config.bindTon, bindNpi: config.bindNpi,
      interfaceVersion: interfaceVersionByte(config.interfaceVersion), enquireLinkMs: config.enquireLinkMs, responseTimeoutMs: config.responseTimeoutMs,
    };
    const logger = deps.logger;
    this.inbound = new InboundHandler({ config, overrides, host: () => this.host, clock: deps.clock, logger });
    const link = (mode: 'transceiver' | 'transmitter' | 'receiver'): SmppLink => new SmppLink({
      settings, mode, reconnectDelayMs: config.reconnectDelayMs, reconnectDelayMaxMs: config.reconnectDelayMaxMs, clock: deps.clock, logger,
      channel: config.name,
      deliver: (pdu, session) => this.inbound.handle(pdu, session),
      bound: () => { if (mode !== 'receiver') this.queue.wake(); },
      changed: () => this.events.emit('state', this.status()),
    });
    this.links = config.bind === 'transceiver' ? [link('transceiver')] : [link('transmitter'), link('receiver')];
    const transmitter = this.links[0]!;
    this.queue = new SendQueue({
      config, overrides, host: () => this.host, clock: deps.clock, logger,
      session: () => transmitter.bound,
      dropSession: (reason) => transmitter.drop(reason),
    });
  }

  async start(host: ChannelHost): Promise<void> {
    this.host = host;
    this.inbound.start();
    for (const link of this.links) link.start();
  }

  send(message: MessageRecord, options?: SendOptions): Promise<SendOutcome> {
    return this.queue.send(message, options);
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
    const { state, reason, since } = this.linkState();
    return {
      name: this.name, type: this.type, state, reason, since,
      waiting: this.queue.waiting, inFlight: this.queue.inFlight, numbers: this.config.numbers,
      ...(this.certificate ? { clientCertificate: this.certificate } : {}),
    };
  }

  /** Receipts that could not be read (no id or state), since start. */
  get unreadableReceipts(): number {
    return this.inbound.unreadableReceipts;
  }

  /** One link's state; with two binds, the worse of the two, named. */
  private linkState(): LinkState {
    const states = this.links.map((l) => ({ mode: l.mode, ...l.state() }));
    if (states.length === 1) return states[0]!;
    const rank = { down: 2, connecting: 1, bound: 0 } as const;
    const worst = states.reduce((a, b) => (rank[b.state] > rank[a.state] ? b : a));
    if (worst.state === 'bound') return { state: 'bound', reason: null, since: Math.max(...states.map((s) => s.since)) };
    return { state: worst.state, reason: worst.reason === null ? null : `${worst.mode}: ${worst.reason}`, since: worst.since };
  }
}

/** The client certificate to present, when the configuration names one (it checked that both files go together). */
function clientCertificate(config: SmppChannelConfig): { cert: string; key: string } | null {
  return config.tlsCert !== null && config.tlsKey !== null ? { cert: config.tlsCert, key: config.tlsKey } : null;
}
