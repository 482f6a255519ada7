/**
 * The app from Twilio's "Create an SMS Conversation" guide, in TypeScript: an Express app that
 * counts a sender's messages in an ordinary web session (express-session, cookie `connect.sid`).
 * Parley keeps that cookie per conversation, so the count survives between text messages:
 *   "Hello, thanks for the new message." then "Hello, thanks for message number 2", ...
 * Every webhook's X-Twilio-Signature is checked with the official `twilio` package.
 */
import express from 'express';
import session from 'express-session';
import twilio from 'twilio';

declare module 'express-session' {
  interface SessionData {
    counter: number;
  }
}

export interface SessionCounterOptions {
  /** The auth token of the account whose number points here: signatures are checked with it. */
  authToken: string;
  /** Check X-Twilio-Signature (default true). */
  validateSignatures?: boolean;
  sessionSecret?: string;
}

export function createSessionCounterApp(options: SessionCounterOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false }));
  app.use(session({
    secret: options.sessionSecret ?? 'anything-you-want-but-keep-secret',
    resave: false,
    saveUninitialized: true,
  }));

  const checkSignature = twilio.webhook(options.authToken, { validate: options.validateSignatures ?? true });

  app.post('/sms', checkSignature, (req, res) => {
    const smsCount = req.session.counter ?? 0;
    const message = smsCount === 0
      ? 'Hello, thanks for the new message.'
      : `Hello, thanks for message number ${smsCount + 1}`;
    req.session.counter = smsCount + 1;
    const twiml = new twilio.twiml.MessagingResponse();
    twiml.message(message);
    res.writeHead(200, { 'Content-Type': 'text/xml' });
    res.end(twiml.toString());
  });

  return app;
}
