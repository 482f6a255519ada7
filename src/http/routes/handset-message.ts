/**
 * A simulated handset texts a Parley number: `POST /simulator/messages`. The hottest route of the
 * simulator, so it has two entrances with one body: the framework's route (simulator.ts) and the
 * hot path that answers it on `node:http` directly (../hot-path.ts).
 */
import type { InboundInput } from '../../channels/channel.js';
import type { Store } from '../../stores/store.js';
import type { MessageRecord } from '../../stores/records.js';
import type { Params } from '../form.js';
import { TwilioError } from '../../errors/twilio-error.js';
import { isE164 } from '../../phone/numbers.js';
import { MAX_BODY_LENGTH } from '../../messages/segments.js';
import { guessContentType } from '../../messages/message.js';
import { messageJsonText } from '../representations/message-text.js';
import { refusalFor, refusalHeaders, type HttpLoggers, type RequestFacts } from '../refusals.js';

/** What the route needs of the gateway: the account's numbers, the door messages come in by, and whether handsets are simulated at all. */
export interface HandsetMessageTarget {
  readonly store: { readonly numbers: Pick<Store['numbers'], 'findByPhoneNumber'> };
  receive(input: InboundInput): Promise<MessageRecord>;
  assertSimulatesHandsets(): void;
}

export const HANDSET_MESSAGE_PATH = '/simulator/messages';

/** Checks the handset's message as Twilio checks one, hands it to the gateway, and answers the 201's Message JSON. */
export async function receiveHandsetMessage(target: HandsetMessageTarget, accountSid: string, params: Params): Promise<string> {
  target.assertSimulatesHandsets();
  const from = params.get('From');
  const to = params.get('To');
  const body = params.get('Body') ?? '';
  const mediaUrls = params.all('MediaUrl');
  if (!to) throw new TwilioError(21604, "A 'To' phone number is required.");
  if (!from) throw new TwilioError(21603, "A 'From' phone number is required.");
  if (!isE164(from)) throw new TwilioError(21212, `The 'From' number ${from} is not a valid E.164 phone number.`);
  const number = await target.store.numbers.findByPhoneNumber(to);
  if (!number || number.accountSid !== accountSid) {
    throw new TwilioError(21211, `The 'To' number ${to} is not a Parley number of this account.`);
  }
  // A Parley number is not a handset: it cannot text itself, as a Twilio number cannot.
  if (from === to) throw new TwilioError(21212, `The 'From' number ${from} is the Parley number itself, not a handset.`);
  if (!body && mediaUrls.length === 0) throw new TwilioError(21602, 'Message body is required.');
  if (body.length > MAX_BODY_LENGTH) throw new TwilioError(21617, 'The concatenated message body exceeds the 1600 character limit.');
  if (mediaUrls.length > 10) throw new TwilioError(21623, 'Number of media files exceeds allowed limit (10).');
  for (const url of mediaUrls) {
    if (!/^https?:\/\/[^\s]+$/i.test(url)) throw new TwilioError(21620, `Invalid media URL: ${url}`);
  }
  const message = await target.receive({
    accountSid, from, to, body, media: mediaUrls.map((url) => ({ url, contentType: guessContentType(url) })),
  });
  return messageJsonText(message);
}

/** What a hot path writes back for a handset's message: status, headers besides the JSON type, the JSON text. */
export interface HandsetAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The 201 with the Message JSON that `receive` (sign-in and receiveHandsetMessage) gives, or, if it
 * throws, the refusal as ../refusals.ts answers and logs it (`facts` are asked for only then): the
 * one answer both hot paths write, each on its own kind of connection.
 */
export async function answerHandsetMessage(receive: () => Promise<string>, facts: () => RequestFacts, loggers: HttpLoggers): Promise<HandsetAnswer> {
  try {
    return { status: 201, headers: NO_HEADERS, text: await receive() };
  } catch (error) {
    const refusal = refusalFor(error, facts(), loggers);
    return { status: refusal.status, headers: refusalHeaders(refusal), text: JSON.stringify(refusal.toJSON()) };
  }
}
