/**
 * List envelopes. The 2010-04-01 API puts paging fields beside the records
 * (`{ first_page_uri, end, ..., messages: [...] }`, paths relative to the API host); v1 APIs
 * such as Monitor nest them in `meta` with absolute URLs. The helper libraries find the records
 * under the single non-meta key and follow `next_page_uri`/`next_page_url` verbatim until null
 * (reference section 6.5), so nothing else may be added at the top level.
 *
 * Pages after the first are addressed by a token naming a record: `PA<sid>` = the records after
 * it in list order, `PB<sid>` = the records before it, as Twilio's own tokens look.
 */

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export type QueryPairs = ReadonlyArray<readonly [string, string]>;

export interface PageToken {
  /** Relative to the list's order (newest first for messages), not to time. */
  direction: 'after' | 'before';
  sid: string;
}

const TOKEN_SHAPE = /^P([AB])([A-Z]{2}[0-9a-fA-F]{32})$/;

export function parsePageToken(token: string): PageToken | null {
  const match = TOKEN_SHAPE.exec(token);
  if (match === null || match[2] === undefined) return null;
  return { direction: match[1] === 'A' ? 'after' : 'before', sid: match[2] };
}

export function formatPageToken(token: PageToken): string {
  return `P${token.direction === 'after' ? 'A' : 'B'}${token.sid}`;
}

/** One page of a list, as the handler read it. */
export interface PageInput<T extends { sid: string }> {
  /** The list's path, e.g. `/2010-04-01/Accounts/AC…/Messages.json` or `/v1/Alerts`. */
  path: string;
  /** The list's filters as the client sent them (`To`, `DateSent>`, ...), echoed into every link. */
  filters?: QueryPairs | undefined;
  pageSize: number;
  /** 0-based; for the client's bookkeeping (`start`), the token decides which records come. */
  page: number;
  /** The PageToken this page was asked with, if any: it is part of the page's own URI. */
  pageToken?: string | null | undefined;
  items: readonly T[];
  /** Whether more records follow the last one on this page (read one record more to know). */
  hasNext: boolean;
}

interface PageLinks {
  first: string;
  self: string;
  next: string | null;
  previous: string | null;
}

// Form encoding, as Twilio's own links: `DateSent%3E=2008-01-02`, `To=%2B1…`, spaces as `+`.
function link(input: PageInput<{ sid: string }>, page: number, token: string | null): string {
  const query = new URLSearchParams();
  for (const [name, value] of input.filters ?? []) query.append(name, value);
  query.append('PageSize', String(input.pageSize));
  query.append('Page', String(page));
  if (token !== null) query.append('PageToken', token);
  return `${input.path}?${query.toString()}`;
}

/**
 * An empty page after the first has no record to anchor a previous-page token on, so its
 * `previous` link is null; the client still has the first page's link.
 */
function pageLinks(input: PageInput<{ sid: string }>): PageLinks {
  const first = input.items[0];
  const last = input.items[input.items.length - 1];
  return {
    first: link(input, 0, null),
    self: link(input, input.page, input.pageToken ?? null),
    next: input.hasNext && last !== undefined
      ? link(input, input.page + 1, formatPageToken({ direction: 'after', sid: last.sid }))
      : null,
    previous: input.page > 0 && first !== undefined
      ? link(input, input.page - 1, formatPageToken({ direction: 'before', sid: first.sid }))
      : null,
  };
}

export interface PageMeta2010 {
  first_page_uri: string;
  end: number;
  previous_page_uri: string | null;
  uri: string;
  page_size: number;
  start: number;
  next_page_uri: string | null;
  page: number;
}

export type ListJson2010<K extends string, T> = PageMeta2010 & { [P in K]: T[] };

/**
 * A 2010-04-01 list page. `start`/`end` are 0-based indexes of the first and last record
 * (`end` = start + count − 1). An empty page has `end` = `start`, as in Twilio's own empty-list
 * examples (`"start": 0, "end": 0`), since `start − 1` would read as a negative index.
 */
export function listJson2010<K extends string, T extends { sid: string }>(key: K, input: PageInput<T>): ListJson2010<K, T> {
  const links = pageLinks(input);
  const start = input.page * input.pageSize;
  const envelope = {
    first_page_uri: links.first,
    end: input.items.length === 0 ? start : start + input.items.length - 1,
    previous_page_uri: links.previous,
    [key]: [...input.items],
    uri: links.self,
    page_size: input.pageSize,
    start,
    next_page_uri: links.next,
    page: input.page,
  };
  // A computed key widens to an index signature; `key` is exactly K, so the mapped type holds.
  return envelope as ListJson2010<K, T>;
}

export interface PageMetaV1 {
  first_page_url: string;
  key: string;
  next_page_url: string | null;
  page: number;
  page_size: number;
  previous_page_url: string | null;
  url: string;
}

export type ListJsonV1<K extends string, T> = { [P in K]: T[] } & { meta: PageMetaV1 };

/** `https://host:port` + `/v1/Alerts`, whether or not the base ends in a slash. */
export function absoluteUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}

/** A v1 list page (Monitor Alerts, Messaging Services): absolute URLs under `meta`. */
export function listJsonV1<K extends string, T extends { sid: string }>(
  key: K,
  baseUrl: string,
  input: PageInput<T>,
): ListJsonV1<K, T> {
  const links = pageLinks(input);
  const url = (path: string | null): string | null => (path === null ? null : absoluteUrl(baseUrl, path));
  const envelope = {
    [key]: [...input.items],
    meta: {
      first_page_url: absoluteUrl(baseUrl, links.first),
      key,
      next_page_url: url(links.next),
      page: input.page,
      page_size: input.pageSize,
      previous_page_url: url(links.previous),
      url: absoluteUrl(baseUrl, links.self),
    },
  };
  return envelope as ListJsonV1<K, T>;
}
