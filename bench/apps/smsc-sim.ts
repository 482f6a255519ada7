/**
 * The carrier loop's SMSC, in its own process: `node smsc-sim.js MESSAGES WINDOW HANDSETS NUMBER`.
 * Listens on 127.0.0.1 (a free port, printed as `listening PORT`), accepts one ESME's binds
 * (printed as `bound`), then on a `go` line on stdin sends MESSAGES messages from handsets as
 * deliver_sm, at most WINDOW deliver_sm without a response at once and one message per handset
 * at a time. Each submit_sm (a reply) is answered with an id and followed by a delivery receipt
 * (TLV and text form). A loop is done when its receipt's deliver_sm_resp comes back; after the
 * last one it prints `done {json}` (counts, elapsed, per-loop latency from the message to its
 * reply); every 250 loops done before that, `progress N`. Whichever ESME binds (Parley or
 * Kannel) gets the same messages.
 */
import { createInterface } from 'node:readline';
import { smpp, type PDU, type Session } from '../../src/channels/smpp/library.js';

const [messages, window, handsets] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const number = (process.argv[5] ?? '15550000000').replace(/^\+/, '');
const TEXT = Buffer.from('hello from a handset', 'latin1');
/** Every this many loops done, a `progress N` line (bench/counts.ts --loop=carrier counts between two). */
const PROGRESS_EVERY = 250;

let session: Session | null = null;
let sent = 0;
let inFlight = 0;
let acked = 0;
let replies = 0;
/** Replies whose registered_delivery asked for a receipt (both ESMEs should). */
let receiptsAsked = 0;
let receiptsAcked = 0;
let nextId = 1;
let started = 0;
const free: number[] = Array.from({ length: handsets }, (_, h) => h);
const sentAt = new Map<string, number>();
const latencies: number[] = [];
const pendingReceipts: PDU[] = [];

const handsetOf = (h: number): string => `1666${String(h).padStart(7, '0')}`;

function send(pdu: PDU, onResponse: (resp: PDU) => void): void {
  inFlight++;
  session!.send(pdu, (resp) => {
    inFlight--;
    onResponse(resp);
    pump();
  });
}

/** Receipts first (they finish loops), then new messages, within the window. */
function pump(): void {
  if (!session || started === 0) return;
  while (inFlight < window && pendingReceipts.length > 0) {
    send(pendingReceipts.shift()!, () => {
      receiptsAcked++;
      if (receiptsAcked % PROGRESS_EVERY === 0) process.stdout.write(`progress ${receiptsAcked}\n`);
      if (receiptsAcked === messages) finish();
    });
  }
  while (inFlight < window && sent < messages && free.length > 0) {
    const handset = handsetOf(free.pop()!);
    sent++;
    sentAt.set(handset, performance.now());
    send(new smpp.PDU('deliver_sm', {
      source_addr_ton: 1, source_addr_npi: 1, source_addr: handset, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: number,
      esm_class: 0, data_coding: 0, short_message: TEXT,
    }), (resp) => {
      if (resp.command_status === 0) acked++;
    });
  }
}

function onSubmit(s: Session, pdu: PDU): void {
  const id = (nextId++).toString(16).toUpperCase();
  s.send(pdu.response({ message_id: id }));
  replies++;
  if ((Number(pdu.registered_delivery) & 0x03) !== 0) receiptsAsked++;
  const handset = String(pdu.destination_addr);
  const at = sentAt.get(handset);
  if (at !== undefined) {
    latencies.push(performance.now() - at);
    sentAt.delete(handset);
    free.push(Number(handset.slice(4)));
  }
  const text = `id:${id} sub:001 dlvrd:001 submit date:2412051200 done date:2412051201 stat:DELIVRD err:000 text:`;
  pendingReceipts.push(new smpp.PDU('deliver_sm', {
    source_addr_ton: 1, source_addr_npi: 1, source_addr: handset, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: String(pdu.source_addr),
    esm_class: 0x04, data_coding: 0, short_message: Buffer.from(text, 'latin1'), receipted_message_id: id, message_state: 2,
  }));
  pump();
}

function finish(): void {
  const elapsedMs = performance.now() - started;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number): number => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 100) / 100;
  process.stdout.write(`done ${JSON.stringify({ sent, acked, replies, receiptsAsked, receiptsAcked, elapsedMs: Math.round(elapsedMs), replyMs: { p50: at(0.5), p99: at(0.99), max: at(1) } })}\n`);
}

const server = smpp.createServer({}, (s) => {
  s.on('error', () => undefined);
  s.on('pdu', (pdu: PDU) => {
    if (pdu.isResponse()) return;
    switch (pdu.command) {
      case 'bind_transceiver':
      case 'bind_receiver':
      case 'bind_transmitter':
        s.send(pdu.response({ system_id: 'bench-smsc' }));
        if (pdu.command !== 'bind_transmitter' && session === null) {
          session = s;
          process.stdout.write('bound\n');
        }
        return;
      case 'enquire_link':
        s.send(pdu.response());
        return;
      case 'unbind':
        s.send(pdu.response());
        s.close();
        return;
      case 'submit_sm':
        onSubmit(s, pdu);
        return;
      default:
        s.send(pdu.response({ command_status: 0x03 }));
    }
  });
  s.on('close', () => {
    if (session === s) session = null;
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'go' || started !== 0) return;
  started = performance.now();
  pump();
});
