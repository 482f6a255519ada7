/**
 * The Host-header check against DNS rebinding: a page on another site that rebinds its own name
 * to 127.0.0.1 reaches Parley with `Host: evil.example`, so browser requests must name a host we
 * know. Allowed: `localhost`, any IP literal (an attacker cannot rebind an address), and the
 * hosts Parley was configured with. Non-browser clients (twilio-node behind a tunnel) are not
 * checked: a request counts as a browser's when it carries `Origin` or `Sec-Fetch-*` headers.
 */
import { isIP } from 'node:net';

/** The host name of a Host header: lower case, without the port and IPv6 brackets. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1]!;
  const plain = /^([a-z0-9.-]+)(?::\d+)?$/.exec(value);
  return plain ? plain[1]! : null;
}

export function createHostGuard(configuredHosts: readonly string[]): (host: string | undefined) => boolean {
  const allowed = new Set(['localhost', ...configuredHosts.map((h) => h.toLowerCase().replace(/^\[|\]$/g, ''))]);
  return (header) => {
    const name = hostName(header);
    if (name === null) return false;
    return allowed.has(name) || name.endsWith('.localhost') || isIP(name) !== 0;
  };
}

/** The request headers (lower case) by which a browser shows itself: an Origin, or fetch metadata. */
export const BROWSER_HEADERS: readonly string[] = ['origin', 'sec-fetch-site', 'sec-fetch-mode'];

/** True when the request headers say a browser sent it (one of BROWSER_HEADERS). */
export function fromBrowser(headers: Record<string, string | string[] | undefined>): boolean {
  return BROWSER_HEADERS.some((name) => headers[name] !== undefined);
}
