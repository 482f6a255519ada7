/**
 * Error-log entries in the shape of Twilio Monitor's Alert resource (`/v1/Alerts/{Sid}`), so
 * `client.monitor.v1.alerts` in the helper libraries can read Parley's error log. Monitor is a
 * v1 API: ISO 8601 dates, `error_code` as a string, an absolute `url` (twilio-oai
 * `monitor.v1.alert-instance`, twilio-node `rest/monitor/v1/alert`).
 */
import { moreInfo } from '../../errors/catalog.js';
import type { AlertRecord } from '../../stores/records.js';
import { API_VERSION } from './account.js';
import { iso8601 } from './dates.js';
import { absoluteUrl } from './paging.js';

export const ALERTS_LIST_PATH = '/v1/Alerts';

/** The Alert's absolute URL under the server's public base URL (Monitor uses absolute URLs). */
export function alertUrl(baseUrl: string, sid: string): string {
  return absoluteUrl(baseUrl, `${ALERTS_LIST_PATH}/${sid}`);
}

/** The fields Monitor returns in a list. */
export interface AlertSummaryJson {
  account_sid: string;
  alert_text: string;
  api_version: string;
  date_created: string;
  date_generated: string;
  date_updated: string;
  error_code: string;
  log_level: AlertRecord['logLevel'];
  more_info: string;
  request_method: string | null;
  request_url: string | null;
  resource_sid: string | null;
  service_sid: string | null;
  sid: string;
  url: string;
}

/** A fetched Alert: Monitor adds the request and response details only when fetching one. */
export interface AlertJson extends AlertSummaryJson {
  request_variables: string | null;
  request_headers: string | null;
  response_body: string | null;
  response_headers: string | null;
}

export function alertSummaryJson(a: AlertRecord, baseUrl: string): AlertSummaryJson {
  // Parley records an alert when it happens: created, generated and updated are one moment.
  const date = iso8601(a.dateCreated);
  return {
    account_sid: a.accountSid,
    alert_text: a.alertText,
    api_version: API_VERSION,
    date_created: date,
    date_generated: date,
    date_updated: date,
    error_code: String(a.errorCode),
    log_level: a.logLevel,
    more_info: moreInfo(a.errorCode),
    request_method: a.requestMethod,
    request_url: a.requestUrl,
    resource_sid: a.resourceSid,
    service_sid: null,
    sid: a.sid,
    url: alertUrl(baseUrl, a.sid),
  };
}

export function alertJson(a: AlertRecord, baseUrl: string): AlertJson {
  return {
    ...alertSummaryJson(a, baseUrl),
    request_variables: a.requestVariables,
    request_headers: a.requestHeaders,
    response_body: a.responseBody,
    response_headers: a.responseHeaders,
  };
}
