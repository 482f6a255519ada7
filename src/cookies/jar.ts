/**
 * One conversation's cookie jar: RFC 6265 semantics from tough-cookie (Domain/Path matching,
 * Secure, HttpOnly, Expires, Max-Age, deletion), time from Parley's clock.
 *
 * Two adjustments make tough-cookie follow the injectable clock exactly:
 * - Max-Age is turned into an absolute expiry when the cookie is set (tough-cookie measures it
 *   from the last access, and reads the system time when listing cookies);
 * - expiry is checked here against the clock, not by tough-cookie.
 * Limits from RFC 6265 section 6.1: 4096 bytes a cookie, 50 cookies a domain (oldest dropped).
 */
import { Cookie, CookieJar, MemoryCookieStore } from 'tough-cookie';
import type { CookieView } from '../stores/records.js';

export const MAX_COOKIE_BYTES = 4096;
export const MAX_COOKIES_PER_DOMAIN = 50;

export class ConversationJar {
  private readonly jar: CookieJar;
  /**
   * Every turn asks for the Cookie header, two views and the serialized jar, and almost every turn
   * leaves the jar as it was: these are computed once per change (`version`), and expired cookies
   * are looked for only once the earliest expiry has passed.
   */
  private version = 0;
  private nextExpiry: number | null = null;
  private cachedHeader: { version: number; url: string; header: string | null } | null = null;
  private cachedView: { version: number; views: CookieView[] } | null = null;
  private cachedSerialized: { version: number; text: string | null } | null = null;

  private constructor(private readonly store: MemoryCookieStore) {
    this.jar = new CookieJar(store, { looseMode: true, rejectPublicSuffixes: true, allowSpecialUseDomain: true });
  }

  static empty(): ConversationJar {
    return new ConversationJar(new MemoryCookieStore());
  }

  /** Rebuilds a jar from `serialize()` output (as kept in the conversation row). */
  static load(serialized: string | null): ConversationJar {
    const jar = ConversationJar.empty();
    if (!serialized) return jar;
    for (const data of JSON.parse(serialized) as unknown[]) {
      const cookie = Cookie.fromJSON(data);
      if (cookie) jar.store.putCookie(cookie, () => undefined);
    }
    jar.changed();
    return jar;
  }

  /** The `Cookie` header for a request to `url`, or null when no cookie matches. */
  cookieHeader(url: string, now: number): string | null {
    this.dropExpired(now);
    const cached = this.cachedHeader;
    if (cached && cached.version === this.version && cached.url === url) return cached.header;
    const text = this.jar.getCookieStringSync(url, { expire: false });
    const header = text === '' ? null : text;
    this.cachedHeader = { version: this.version, url, header };
    return header;
  }

  /** Stores the `Set-Cookie` headers of a response to `url`; bad or oversized ones are ignored. */
  setCookies(headers: readonly string[], url: string, now: number): void {
    if (headers.length > 0) this.changed();
    for (const header of headers) {
      if (Buffer.byteLength(header) > MAX_COOKIE_BYTES) continue;
      let cookie: Cookie | undefined;
      try {
        cookie = this.jar.setCookieSync(header, url, { now: new Date(now), ignoreError: true });
      } catch {
        continue; // a cookie for another domain or a public suffix: a browser would ignore it too
      }
      if (cookie && typeof cookie.maxAge === 'number') {
        cookie.expires = new Date(cookie.maxAge <= 0 ? 0 : now + cookie.maxAge * 1000);
        cookie.maxAge = null;
      }
      if (cookie?.domain) this.enforceDomainLimit(cookie.domain);
    }
    this.dropExpired(now);
  }

  view(now: number): CookieView[] {
    this.dropExpired(now);
    if (this.cachedView?.version !== this.version) this.cachedView = { version: this.version, views: this.views() };
    return this.cachedView.views.slice();
  }

  /** JSON text for the conversation row, or null when the jar is empty. */
  serialize(): string | null {
    if (this.cachedSerialized?.version !== this.version) {
      const cookies = this.all();
      const text = cookies.length === 0 ? null : JSON.stringify(cookies.map((c) => c.toJSON()));
      this.cachedSerialized = { version: this.version, text };
    }
    return this.cachedSerialized.text;
  }

  private views(): CookieView[] {
    return this.all().map((c) => ({
      name: c.key,
      value: c.value,
      domain: c.domain ?? '',
      path: c.path ?? '/',
      expires: c.expires instanceof Date ? c.expires.toISOString() : null,
      httpOnly: c.httpOnly,
      secure: c.secure,
    }));
  }

  private all(): Cookie[] {
    let out: Cookie[] = [];
    this.store.getAllCookies((_err, cookies) => {
      out = cookies ?? [];
    });
    return out;
  }

  private changed(): void {
    this.version++;
    this.nextExpiry = null; // unknown until the next look
  }

  private dropExpired(now: number): void {
    if (this.nextExpiry !== null && now < this.nextExpiry) return;
    let next = Number.POSITIVE_INFINITY;
    for (const c of this.all()) {
      if (!(c.expires instanceof Date)) continue;
      const expires = c.expires.getTime();
      if (expires <= now) {
        this.store.removeCookie(c.domain ?? "", c.path ?? "/", c.key, () => undefined);
        this.version++;
      } else {
        next = Math.min(next, expires);
      }
    }
    this.nextExpiry = next;
  }

  private enforceDomainLimit(domain: string): void {
    const same = this.all().filter((c) => c.domain === domain);
    if (same.length <= MAX_COOKIES_PER_DOMAIN) return;
    same.sort((a, b) => (a.creationIndex ?? 0) - (b.creationIndex ?? 0));
    for (const c of same.slice(0, same.length - MAX_COOKIES_PER_DOMAIN)) {
      this.store.removeCookie(c.domain ?? "", c.path ?? "/", c.key, () => undefined);
    }
    this.changed();
  }
}
