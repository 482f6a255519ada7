/**
 * A Twilio-shaped inbound-SMS webhook request (the parameter set of a real capture, a Cookie
 * header and an X-Twilio-Signature), as the HTTP-ceiling workload posts it straight to the app.
 * It is the request Parley itself sends on each turn, so the ceiling and the loop call the app
 * with the same work.
 */
import { createHmac } from 'node:crypto';

export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

export function webhookRequest(options: {
  url: string; authToken: string; accountSid: string; from: string; to: string; body: string; messageSid: string;
}): WebhookRequest {
  const { url, authToken, accountSid, from, to, body, messageSid } = options;
  const params: Array<[string, string]> = [
    ['ToCountry', 'US'], ['ToState', ''], ['SmsMessageSid', messageSid], ['NumMedia', '0'], ['ToCity', ''],
    ['FromZip', ''], ['SmsSid', messageSid], ['FromState', ''], ['SmsStatus', 'received'], ['FromCity', ''],
    ['Body', body], ['FromCountry', 'US'], ['To', to], ['ToZip', ''], ['NumSegments', '1'], ['MessageSid', messageSid],
    ['AccountSid', accountSid], ['From', from], ['ApiVersion', '2010-04-01'],
  ];
  // https://www.twilio.com/docs/usage/webhooks/webhooks-security: URL + sorted name/value pairs.
  const signed = url + [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => k + v).join('');
  return {
    body: new URLSearchParams(params).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': createHmac('sha1', authToken).update(signed, 'utf8').digest('base64'),
      'user-agent': 'TwilioProxy/1.1',
      cookie: 'sid=s1',
    },
  };
}
