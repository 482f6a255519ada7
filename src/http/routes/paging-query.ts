/** Reads Twilio's paging parameters (PageSize, Page, PageToken) from a list request. */
import { TwilioError } from '../../errors/twilio-error.js';
import type { Params } from '../form.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parsePageToken, type PageToken } from '../representations/paging.js';

export interface PagingQuery {
  pageSize: number;
  page: number;
  token: PageToken | null;
  rawToken: string | null;
}

export function pagingQuery(params: Params): PagingQuery {
  const sizeText = params.get('PageSize');
  const pageSize = sizeText === undefined ? DEFAULT_PAGE_SIZE : Number(sizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new TwilioError(20001, `PageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
  }
  const pageText = params.get('Page');
  const page = pageText === undefined ? 0 : Number(pageText);
  if (!Number.isInteger(page) || page < 0) throw new TwilioError(20001, 'Page must be a whole number from 0.');
  const rawToken = params.get('PageToken') ?? null;
  const token = rawToken === null ? null : parsePageToken(rawToken);
  if (rawToken !== null && token === null) throw new TwilioError(20001, 'Invalid PageToken.');
  if (page > 0 && token === null) throw new TwilioError(20001, 'PageToken is required for paging.');
  return { pageSize, page, token, rawToken };
}

/**
 * One page of a list held in memory, ordered by SID: the items after the PageToken's SID (from the
 * start without one), and whether more follow.
 */
export function pageOf<T>(all: readonly T[], paging: PagingQuery, sidOf: (item: T) => string): { items: T[]; hasNext: boolean } {
  const after = paging.token?.direction === 'after' ? all.findIndex((item) => sidOf(item) === paging.token?.sid) + 1 : 0;
  return { items: all.slice(after, after + paging.pageSize), hasNext: after + paging.pageSize < all.length };
}

/** Filters echoed into paging links, in the order the client sent them. */
export function echoFilters(params: Params, names: readonly string[]): Array<[string, string]> {
  return names.flatMap((n) => params.all(n).map((v) => [n, v] as [string, string]));
}
