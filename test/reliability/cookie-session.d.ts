/** Just enough typing for the `cookie-session` middleware the reliability tests use (it ships none). */
declare module 'cookie-session' {
  import type { RequestHandler } from 'express';
  interface CookieSessionOptions {
    name?: string;
    keys?: string[];
    secret?: string;
    maxAge?: number;
    httpOnly?: boolean;
    signed?: boolean;
  }
  function cookieSession(options?: CookieSessionOptions): RequestHandler;
  export default cookieSession;
}
