/**
 * The simulator's inbound route answered on `node:http` directly, in front of the framework.
 *
 * Every simulated turn starts with `POST /simulator/messages`, and the framework's work for it
 * (request and reply objects, hooks, the content-type parser, the route's promise chain) was a
 * tenth of a turn's CPU (bench/README.md, finding 32). This listener takes only the plain case:
 * exactly that path, a form body whose Content-Length is within the limit, no sign of a browser
 * (the console's Host check stays with the framework), and credentials that sign in. Anything
 * else, a refused sign-in included, goes to the framework untouched, before a byte of the body is
 * read, and is answered as it always was. The route's checks and its answer are one function for
 * both entrances (./routes/handset-message.ts), and errors are answered and logged by one rule
 * (./refusals.ts).
 *
 * Most plain requests never get here: ./hot-connections.ts answers them on their connection,
 * before node:http parses them. This listener takes the plain requests of connections that
 * node:http was given, because an earlier request on them was of another kind.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseForm } from 'fast-querystring';
import type { AccountRecord } from '../stores/records.js';
import { fromBrowser } from '../console/host-guard.js';
import { Params } from './form.js';
import { HANDSET_MESSAGE_PATH, answerHandsetMessage, receiveHandsetMessage, type HandsetMessageTarget } from './routes/handset-message.js';
import type { HttpLoggers } from './refusals.js';
import { isFormType } from './plain-request.js';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface HotPathOptions {
  /** The account the Authorization header signs in as; throws when it does not. */
  authenticate(authorization: string | undefined, path: string): Promise<AccountRecord>;
  target: HandsetMessageTarget;
  /** The largest body accepted, in bytes: the framework's own limit. */
  bodyLimit: number;
  loggers: HttpLoggers;
  /** The next request id, from the counter the framework uses too. */
  requestId(): string;
  /** The client's address as the framework reports it (X-Forwarded-For from trusted proxies only). */
  clientAddress(req: IncomingMessage): string | undefined;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** A listener that answers the plain inbound message itself and passes every other request to `framework`. */
export function withHotPath(framework: RequestListener, options: HotPathOptions): RequestListener {
  return (req, res) => {
    if (!isPlainHandsetMessage(req, options.bodyLimit)) {
      framework(req, res);
      return;
    }
    options.authenticate(req.headers.authorization, HANDSET_MESSAGE_PATH).then(
      (account) => answer(req, res, account, options),
      // The framework refuses it again, with its log line and WWW-Authenticate: one rule for sign-ins.
      () => framework(req, res),
    );
  };
}

function isPlainHandsetMessage(req: IncomingMessage, bodyLimit: number): boolean {
  if (req.method !== 'POST' || req.url !== HANDSET_MESSAGE_PATH) return false;
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined || fromBrowser(headers)) return false;
  const length = Number(headers['content-length']);
  if (!Number.isSafeInteger(length) || length < 0 || length > bodyLimit) return false;
  const type = headers['content-type'];
  return type !== undefined && isFormType(type);
}

async function answer(req: IncomingMessage, res: ServerResponse, account: AccountRecord, options: HotPathOptions): Promise<void> {
  const reqId = options.requestId();
  let body: string;
  try {
    body = await readBody(req);
  } catch {
    return; // the client went away before its request was whole: nobody to answer, nothing received
  }
  const { status, headers, text } = await answerHandsetMessage(
    () => receiveHandsetMessage(options.target, account.sid, Params.from(parseForm(body))),
    () => ({ reqId, method: 'POST', url: HANDSET_MESSAGE_PATH, ip: options.clientAddress(req) }),
    options.loggers,
  );
  res.writeHead(status, { ...headers, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The whole body as text; Content-Length (checked against the limit) bounds it. Rejects if the client goes away first. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    if (req.destroyed) {
      reject(new Error('the connection closed while the credentials were checked'));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString()));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('the request was aborted'));
    });
  });
}
