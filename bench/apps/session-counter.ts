/**
 * The example session-counter app (examples/session-counter: Express, express-session, the twilio
 * package's MessagingResponse and signature validation), as the bench hosts it. Its auth token comes
 * from the environment so it checks the signatures Parley makes with the bench's account.
 */
import type { RequestListener } from 'node:http';
import { createSessionCounterApp } from '../../examples/session-counter/app.js';

export const AUTH_TOKEN_ENV = 'PARLEY_BENCH_AUTH_TOKEN';

export function sessionCounterListener(): RequestListener {
  const authToken = process.env[AUTH_TOKEN_ENV];
  if (!authToken) throw new Error(`${AUTH_TOKEN_ENV} is not set`);
  return createSessionCounterApp({ authToken });
}
