/**
 * One Server-Sent Events connection to Parley's `/simulator/events`, used by the load generator to
 * see each loop complete. It tells apart, as cheaply as it can, the two events per loop that matter
 * (the reply stored, as `queued`, and the reply `delivered`) from any others (inbound created, reply
 * sent: the loop's URL asks the gateway to leave them out, and a gateway without the stream's
 * filters sends them anyway): a string test comes before any JSON.parse, so watching the stream
 * costs the generator little CPU.
 */
import { request, type Dispatcher } from 'undici';

export interface ReplyEvent {
  /** The inbound message whose turn produced the reply. */
  inboundSid: string;
  /** `queued`: the turn's outcome (with the reply) is committed; `delivered`: the loop is complete. */
  status: 'queued' | 'delivered';
  /** performance.now() when the event was read. */
  at: number;
}

export interface EventStream {
  /** Events read so far, all kinds. */
  readonly events: () => number;
  close(): void;
}

interface MessageEventData {
  message?: { direction?: unknown; status?: unknown };
  inbound_sid?: unknown;
}

export async function openDeliveryStream(
  url: string, headers: Record<string, string>, onReply: (e: ReplyEvent) => void,
): Promise<EventStream> {
  const abort = new AbortController();
  const res: Dispatcher.ResponseData = await request(url, {
    headers: { ...headers, accept: 'text/event-stream' },
    signal: abort.signal,
    bodyTimeout: 0,
  });
  if (res.statusCode !== 200) {
    const text = await res.body.text();
    throw new Error(`${url} answered ${res.statusCode}: ${text.slice(0, 200)}`);
  }
  let buffer = '';
  let count = 0;
  res.body.setEncoding('utf8');
  res.body.on('data', (chunk: string) => {
    buffer += chunk;
    let start = 0;
    let end: number;
    while ((end = buffer.indexOf('\n\n', start)) >= 0) {
      const block = buffer.slice(start, end);
      start = end + 2;
      count++;
      if (!block.includes('outbound-reply') || !(block.includes('"delivered"') || block.includes('"queued"'))) continue;
      const data = dataOf(block);
      if (data === null) continue;
      const parsed = JSON.parse(data) as MessageEventData;
      const status = parsed.message?.status;
      if (parsed.message?.direction === 'outbound-reply' && (status === 'delivered' || status === 'queued')
        && typeof parsed.inbound_sid === 'string') {
        onReply({ inboundSid: parsed.inbound_sid, status, at: performance.now() });
      }
    }
    buffer = buffer.slice(start);
  });
  res.body.on('error', () => undefined); // aborted on close
  return {
    events: () => count,
    close: () => abort.abort(),
  };
}

/** The event's data (SSE allows it split over several `data:` lines, joined with newlines). */
function dataOf(block: string): string | null {
  let data: string | null = null;
  for (const line of block.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const value = line.slice(line[5] === ' ' ? 6 : 5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}
