/**
 * Test helper: Parley's live stream (`GET /simulator/events`) as something a test can await, for a
 * Parley in a child process: `message(sid, statuses)` resolves once the stream (or the REST API,
 * read after subscribing) shows the message with one of the statuses.
 */
import { request } from 'undici';
import type { Api } from './gateway-process.js';

export interface MessageView {
  sid: string;
  status: string;
  error_code: number | null;
  num_segments: string;
  body: string;
}

export class EventStream {
  private buffer = '';
  private readonly waiters = new Set<(message: MessageView) => void>();
  private closed = false;
  private abort = new AbortController();

  private constructor(private readonly api: Api) {}

  static async open(api: Api): Promise<EventStream> {
    const stream = new EventStream(api);
    const res = await request(`${api.base}/simulator/events?Events=message`, { headers: { authorization: api.authorization }, signal: stream.abort.signal });
    if (res.statusCode !== 200) throw new Error(`event stream: ${res.statusCode}`);
    res.body.setEncoding('utf8');
    res.body.on('data', (chunk: string) => stream.read(chunk));
    res.body.on('error', () => undefined);
    return stream;
  }

  /** Resolves with the message once it has one of `statuses`. */
  async message(sid: string, statuses: readonly string[], timeoutMs = 20_000): Promise<MessageView> {
    return new Promise<MessageView>((resolve, reject) => {
      const done = (message: MessageView): void => {
        if (message.sid !== sid || !statuses.includes(message.status)) return;
        this.waiters.delete(done);
        clearTimeout(timer);
        resolve(message);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        reject(new Error(`${sid} did not become ${statuses.join('/')}`));
      }, timeoutMs);
      this.waiters.add(done);
      // What happened before this call is in the store: read it once, after subscribing.
      void this.api.request('GET', `/2010-04-01/Accounts/${this.api.credentials.accountSid}/Messages/${sid}.json`)
        .then((res) => { if (res.status === 200) done(res.json as unknown as MessageView); }, () => undefined);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const data = block.split('\n').find((line) => line.startsWith('data: '));
      if (!data) continue;
      const parsed = JSON.parse(data.slice('data: '.length)) as { message?: MessageView };
      if (parsed.message) for (const waiter of [...this.waiters]) waiter(parsed.message);
    }
  }
}
