/**
 * Opt-out keywords (reference section 8 and Parley's decisions): a message that is exactly one
 * keyword (case-insensitive, surrounding whitespace allowed) opts the handset out of, or back in
 * to, messages from that Parley number, or asks for help. Parley records the block on the
 * (account, number, handset) pair, sends Twilio's default reply, and still calls the webhook,
 * with `OptOutType` (see `inboundParams`). The REST API then refuses the pair with 21610.
 * With a Messaging Service the block is on the whole service (reference 8): it is keyed on the
 * service's SID instead of the number, so a STOP to one sender blocks all the service's senders.
 */
import type { Gateway } from '../gateway/gateway.js';
import type { MessageRecord } from '../stores/records.js';
import type { Store } from '../stores/store.js';
import { withoutChannelPrefix } from '../phone/numbers.js';
import { newMessage } from './message.js';

export type OptOutType = 'STOP' | 'START' | 'HELP';

const KEYWORDS: ReadonlyMap<string, OptOutType> = new Map([
  ...['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'].map((k) => [k, 'STOP'] as const),
  ...['START', 'YES', 'UNSTOP'].map((k) => [k, 'START'] as const),
  ...['HELP', 'INFO'].map((k) => [k, 'HELP'] as const),
]);

export const DEFAULT_REPLIES: Readonly<Record<OptOutType, string>> = {
  STOP: 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.',
  START: 'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
  HELP: 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
};

/** The keyword class of an inbound body, or null when it is not exactly one keyword. */
export function optOutTypeOf(body: string): OptOutType | null {
  return KEYWORDS.get(body.trim().toUpperCase()) ?? null;
}

/** What a block is keyed on: the sender's Messaging Service if it is in one, else the number. */
export async function optOutScopeOf(store: Store, accountSid: string, sender: string): Promise<string> {
  const number = await store.numbers.findByPhoneNumber(withoutChannelPrefix(sender));
  const serviceSid = number && number.accountSid === accountSid ? await store.services.serviceOf(number.sid) : null;
  return serviceSid ?? withoutChannelPrefix(sender);
}

/** Whether `handset` opted out of messages from `sender` (or from its Messaging Service). */
export async function isOptedOut(store: Store, accountSid: string, sender: string, handset: string): Promise<boolean> {
  return store.optOuts.has(accountSid, await optOutScopeOf(store, accountSid, sender), withoutChannelPrefix(handset));
}

/** Watches inbound messages and applies keywords. */
export class OptOuts {
  private readonly pending = new Set<Promise<void>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly gateway: Gateway) {
    this.unsubscribe = gateway.events.subscribe((event) => {
      if (event.type !== 'message' || event.message.direction !== 'inbound') return;
      const type = optOutTypeOf(event.message.body);
      if (type === null) return;
      const work = this.apply(event.message, type).catch(() => undefined).finally(() => this.pending.delete(work));
      this.pending.add(work);
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await Promise.all(this.pending);
  }

  private async apply(inbound: MessageRecord, type: OptOutType): Promise<void> {
    const { store, clock } = this.gateway;
    const [account, number, handset] = [inbound.accountSid, inbound.to, inbound.from];
    const scope = await optOutScopeOf(store, account, number);
    if (type === 'STOP') await store.optOuts.add(account, scope, handset, clock.now());
    if (type === 'START') await store.optOuts.remove(account, scope, handset);
    // HELP while opted out gets no reply: the handset must opt in first (toll-free article).
    if (type === 'HELP' && await store.optOuts.has(account, scope, handset)) return;
    const at = clock.now();
    const body = DEFAULT_REPLIES[type];
    const reply = newMessage({
      accountSid: account, direction: 'outbound-reply', from: number, to: handset, body, status: 'queued', at,
      messagingServiceSid: inbound.messagingServiceSid,
    });
    await store.messages.insert(reply);
    this.gateway.events.emit({ type: 'message', message: reply });
    await this.gateway.delivery.deliver(reply);
  }
}
