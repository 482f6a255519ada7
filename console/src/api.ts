// The console's only way to Parley: its public HTTP routes, with the browser's cached Basic credentials.

export interface Session { account_sid: string; auth_token: string; friendly_name: string; dev: boolean; session_ttl_seconds: number }
export interface Message {
  sid: string; body: string; from: string; to: string; direction: string; status: string;
  date_created: string; date_sent: string | null; error_code: number | null; error_message: string | null; num_media: string; num_segments: string;
  subresource_uris: { media: string };
}
export interface PhoneNumber {
  sid: string; phone_number: string; friendly_name: string; sms_url: string; sms_method: string;
  sms_fallback_url: string; sms_fallback_method: string; status_callback: string;
}
/** A ShortCode (`SC…`): shown beside the numbers, in their shape (it has no status callback). */
interface ShortCode {
  sid: string; short_code: string; friendly_name: string; sms_url: string; sms_method: string;
  sms_fallback_url: string; sms_fallback_method: string;
}
const asNumber = (s: ShortCode): PhoneNumber => ({ ...s, phone_number: s.short_code, status_callback: '' });
/** 3 to 8 digits without `+`, as the server tells a short code from a number. */
const isShortCode = (address: string): boolean => /^\d{3,8}$/.test(address);
/** Numbers and short codes are two resources: a SID's prefix says which. */
const addressPath = (sid: string): string => (sid.startsWith('SC') ? 'SMS/ShortCodes' : 'IncomingPhoneNumbers');
export interface Cookie { name: string; value: string; domain: string; path: string; expires: string | null; httpOnly: boolean; secure: boolean }
export interface Exchange {
  sid: string; messageSid: string; purpose: string; seq: number; startedAt: number;
  request: { method: string; url: string; headers: Record<string, string>; params: Array<[string, string]>; signedString: string; signature: string };
  response: { status: number; headers: Record<string, string | string[]>; body: string; durationMs: number } | null;
  errorCode: number | null; errorMessage: string | null; jarBefore: Cookie[]; jarAfter: Cookie[]; steps: string[];
}
export interface Conversation {
  id: string; number: string; handset: string; last_activity: string; cookies_expire_at: string;
  seconds_until_expiry: number; cookies: Cookie[];
}
export interface LogPage { messages: Message[]; next_page_uri: string | null; previous_page_uri: string | null; page: number; page_size: number; start: number; end: number }
/** The parts a carrier (SMPP) accepted for a message: `GET /parley/messages/{Sid}/parts`. */
export interface MessageParts {
  message_sid: string; channel: string | null;
  parts: Array<{ index: number; channel: string; total: number; smsc_message_id: string; state: string; error_code: number | null; date_submitted: string; date_done: string | null }>;
}

export interface MessageDetails {
  message: Message;
  status_history: Array<{ status: string; date: string }>;
  error: { code: number; message: string | null; more_info: string } | null;
  encoding: string; characters: number; segments: number;
  turn: { status: string } | null;
  replies: Message[];
  inbound_sid: string | null;
  webhook_exchanges: Exchange[];
  status_callbacks: Exchange[];
}
export interface Turn { message: Message; turn: { status: string; error_code: number | null; error_message: string | null }; replies: Message[]; exchanges: Exchange[] }
export interface Alert { sid: string; error_code: string; alert_text: string; date_created: string; resource_sid: string | null; request_url: string | null; request_method: string | null; more_info: string }

export interface ChannelState {
  name: string; type: string; state: 'bound' | 'connecting' | 'down'; reason: string | null; since: string; waiting: number; in_flight: number;
  client_certificate: { subject: string; expires_at: string } | null;
  /** The channels that send its messages while it is not bound. */
  failover: string[];
  /** The destinations it sends to (E.164 prefixes); empty: every one. */
  destinations: string[];
  binds: Array<{ name: string; state: 'bound' | 'connecting' | 'down'; reason: string | null; since: string; in_flight: number }> | null;
}
export interface QueueDepths { turns: number; outbound: number; callbacks: number }
export interface StatusPoint {
  at: string; received_per_second: number; sent_per_second: number; turns_per_second: number;
  turn_latency_mean_ms: number | null; turn_latency_p95_ms: number | null; queues: QueueDepths | null;
}
export interface ClusterNode { id: string; host: string; pid: number; started_at: string; last_heartbeat: string; lease_seconds: number; alive: boolean }
/** The nodes sharing the database (null for a gateway alone); `nodes` is null when the database did not answer. */
export interface ClusterView { this_node: string; nodes: ClusterNode[] | null; reason?: string }
/** GET /parley/status: the numbers /metrics shows, sampled every few seconds for the last minutes. */
export interface StatusView {
  sample_interval_seconds: number; cluster: ClusterView | null; channels: ChannelState[]; queues: QueueDepths | null;
  totals: { received: number; sent: number; turns_ok: number; turns_error: number };
  errors: Array<{ code: number; count: number; title: string | null }>; samples: StatusPoint[];
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: number | null, message: string) { super(message); }
}

/** A route that answers text (the generated test file). */
async function text(path: string): Promise<string> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (!res.ok) {
    const json = (await res.json().catch(() => ({}))) as { message?: string; code?: number };
    throw new ApiError(res.status, json.code ?? null, json.message ?? `HTTP ${res.status}`);
  }
  return res.text();
}

async function call<T>(method: string, path: string, form?: Record<string, string>): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (form) {
    init.body = new URLSearchParams(form).toString();
    init.headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
  }
  const res = await fetch(path, init);
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => ({}))) as { message?: string; code?: number };
  if (!res.ok) throw new ApiError(res.status, json.code ?? null, json.message ?? `HTTP ${res.status}`);
  return json as T;
}

/** Oldest first by the time-ordered part of the SID: `SM…` and `MM…` (media) SIDs sort together. */
export function inOrder(messages: Message[]): Message[] {
  return messages.slice().sort((a, b) => (a.sid.slice(2) < b.sid.slice(2) ? -1 : a.sid.slice(2) > b.sid.slice(2) ? 1 : 0));
}

let session: Promise<Session> | null = null;
export const getSession = (): Promise<Session> => (session ??= call<Session>('GET', '/console/session'));

const base = async (): Promise<string> => `/2010-04-01/Accounts/${(await getSession()).account_sid}`;
const e = encodeURIComponent;

export const api = {
  numbers: async (): Promise<PhoneNumber[]> => {
    const [numbers, shortCodes] = await Promise.all([
      call<{ incoming_phone_numbers: PhoneNumber[] }>('GET', `${await base()}/IncomingPhoneNumbers.json?PageSize=1000`),
      call<{ short_codes: ShortCode[] }>('GET', `${await base()}/SMS/ShortCodes.json?PageSize=1000`),
    ]);
    return [...numbers.incoming_phone_numbers, ...shortCodes.short_codes.map(asNumber)];
  },
  createNumber: async (form: Record<string, string>) => {
    // IsoCountry is a short code's (a number's country is in its digits).
    const { PhoneNumber: address = '', IsoCountry: country, ...rest } = form;
    return isShortCode(address)
      ? call<ShortCode>('POST', `${await base()}/SMS/ShortCodes.json`, { ShortCode: address, ...(country ? { IsoCountry: country } : {}), ...rest })
      : call<PhoneNumber>('POST', `${await base()}/IncomingPhoneNumbers.json`, { PhoneNumber: address, ...rest });
  },
  updateNumber: async (sid: string, form: Record<string, string>) => call<unknown>('POST', `${await base()}/${addressPath(sid)}/${sid}.json`, form),
  deleteNumber: async (sid: string) => call<void>('DELETE', `${await base()}/${addressPath(sid)}/${sid}.json`),
  send: (from: string, to: string, body: string, mediaUrl = '') =>
    call<Message>('POST', '/simulator/messages', { From: from, To: to, Body: body, ...(mediaUrl ? { MediaUrl: mediaUrl } : {}) }),
  thread: async (handset: string, number: string) =>
    inOrder((await call<{ messages: Message[] }>('GET', `/simulator/handsets/${e(handset)}/messages?Number=${e(number)}`)).messages),
  conversations: async () => (await call<{ conversations: Conversation[] }>('GET', '/simulator/conversations')).conversations,
  conversation: (number: string, handset: string) =>
    call<Conversation & { exchanges: Exchange[] }>('GET', `/simulator/conversations/${e(number)}/${e(handset)}`),
  forget: (number: string, handset: string) => call<unknown>('POST', `/simulator/conversations/${e(number)}/${e(handset)}/forget`),
  turn: (sid: string) => call<Turn>('GET', `/simulator/messages/${sid}`),
  clock: () => call<{ now: string; manual: boolean }>('GET', '/simulator/clock'),
  advance: (by: string) => call<{ now: string; manual: boolean }>('POST', '/simulator/clock', { Advance: by }),
  alerts: async () => (await call<{ alerts: Alert[] }>('GET', '/v1/Alerts?PageSize=200')).alerts,
  /** The message log: `query` is `?Direction=…&PageSize=…`, or a page URI the previous answer gave. */
  log: (query: string) => call<LogPage>('GET', query.startsWith('/') ? query : `/simulator/messages${query}`),
  details: (sid: string) => call<MessageDetails>('GET', `/simulator/messages/${e(sid)}/details`),
  parts: (sid: string) => call<MessageParts>('GET', `/parley/messages/${e(sid)}/parts`),
  conversationTest: (number: string, handset: string, runner: 'node' | 'vitest') =>
    text(`/simulator/conversations/${e(number)}/${e(handset)}/test?Runner=${runner}`),
  status: () => call<StatusView>('GET', '/parley/status'),
  channels: async () => (await call<{ channels: ChannelState[] }>('GET', '/parley/channels')).channels,
  media: async (m: Message) => (await call<{ media_list: Array<{ uri: string; content_type: string }> }>('GET', m.subresource_uris.media)).media_list,
};

type Listener = { handset: string | null; on: (type: string, data: unknown) => void };
const listeners = new Set<Listener>();
let source: EventSource | null = null;

/**
 * Live events; EventSource sends the cached Basic credentials same-origin. Every part of a page
 * shares one stream (a browser opens at most six connections to a host, and each stream holds one
 * for good); a handset's listener gets only the message events to or from that handset.
 */
export function events(handset: string | null, on: (type: string, data: unknown) => void): () => void {
  const listener = { handset, on };
  listeners.add(listener);
  if (!source) {
    const opened = new EventSource('/simulator/events');
    for (const type of ['message', 'turn', 'exchange', 'alert', 'conversation']) {
      opened.addEventListener(type, (ev) => {
        const data: unknown = JSON.parse((ev as MessageEvent<string>).data);
        const m = type === 'message' ? (data as { message: Message }).message : null;
        for (const l of [...listeners]) if (!l.handset || !m || m.from === l.handset || m.to === l.handset) l.on(type, data);
      });
    }
    opened.addEventListener('open', () => { for (const l of [...listeners]) l.on('open', null); });
    source = opened;
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      source?.close();
      source = null;
    }
  };
}
