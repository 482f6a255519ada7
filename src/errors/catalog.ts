/**
 * The one catalog of errors a user can see, keyed by Twilio's numeric code
 * (https://www.twilio.com/docs/api/errors). `status` is the HTTP status a REST answer uses;
 * webhook and TwiML codes (11xxx, 12xxx, 14xxx) are recorded on messages and in the error log.
 * `docs/errors.md` lists the same codes; a test keeps the two in step.
 */
export interface ErrorDefinition {
  readonly status: number;
  readonly title: string;
  /** How a delivery queue treats it: try again later, or give up. */
  readonly kind: 'final' | 'retry';
  readonly level: 'error' | 'warning';
}

function entry(status: number, title: string, kind: 'final' | 'retry' = 'final', level: 'error' | 'warning' = 'error'): ErrorDefinition {
  return { status, title, kind, level };
}

export const ERROR_CATALOG = {
  11100: entry(400, 'Invalid URL format'),
  11200: entry(502, 'HTTP retrieval failure', 'retry'),
  11205: entry(502, 'HTTP connection failure', 'retry'),
  11206: entry(502, 'HTTP protocol violation', 'retry'),
  11210: entry(502, 'HTTP bad host name', 'retry'),
  11215: entry(502, 'HTTP too many redirects'),
  11750: entry(502, 'TwiML response body too large'),
  12100: entry(502, 'Document parse failure'),
  12102: entry(502, 'The root element must be Response'),
  12200: entry(502, 'Schema validation warning', 'final', 'warning'),
  12300: entry(502, 'Invalid Content-Type'),
  12400: entry(500, 'Internal Failure', 'retry'),
  14101: entry(400, 'Invalid "To" attribute', 'final', 'warning'),
  14102: entry(400, 'Invalid "From" attribute', 'final', 'warning'),
  14103: entry(400, 'Invalid Body', 'final', 'warning'),
  14104: entry(400, 'Invalid Method attribute', 'final', 'warning'),
  14105: entry(400, 'Invalid statusCallback attribute', 'final', 'warning'),
  14106: entry(400, 'Document retrieval limit reached', 'final', 'warning'),
  14107: entry(429, 'SMS send rate limit exceeded'),
  14109: entry(400, 'TwiML Reply message limit exceeded', 'final', 'warning'),
  14110: entry(400, 'Invalid Verb for SMS Reply', 'final', 'warning'),
  20001: entry(400, 'Unknown parameters'),
  20003: entry(401, 'Authenticate'),
  20004: entry(405, 'Method not allowed'),
  20005: entry(403, 'Account not active'),
  20006: entry(403, 'Access Denied'),
  20008: entry(403, 'Resource not accessible with Test Account Credentials'),
  20009: entry(400, 'Cannot delete this resource before it is complete'),
  20404: entry(404, 'The requested resource was not found'),
  20429: entry(429, 'Too Many Requests', 'retry'),
  20500: entry(500, 'Internal Server Error', 'retry'),
  20503: entry(503, 'Service unavailable', 'retry'),
  21211: entry(400, "Invalid 'To' Phone Number"),
  21212: entry(400, 'Invalid From Number (caller ID)'),
  21401: entry(400, 'Invalid Phone Number'),
  21402: entry(400, 'Invalid Url'),
  21403: entry(400, 'Invalid Method'),
  21406: entry(400, 'Cannot set SmsFallbackUrl without setting SmsUrl'),
  21422: entry(400, 'Phone number is unavailable'),
  21601: entry(400, 'Phone number is not a valid SMS-capable inbound phone number'),
  21602: entry(400, 'Message body is required.'),
  21603: entry(400, "A 'From' phone number is required."),
  21604: entry(400, "A 'To' phone number is required."),
  21606: entry(400, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination."),
  21609: entry(400, "Invalid 'StatusCallback'"),
  21610: entry(400, 'Attempt to send to unsubscribed recipient'),
  21617: entry(400, 'The concatenated message body exceeds the 1600 character limit.'),
  21620: entry(400, 'Invalid media URL(s)'),
  21623: entry(400, 'Number of media files exceeds allowed limit'),
  21624: entry(400, 'Invalid validity period value'),
  21704: entry(400, 'Messaging Service contains no phone numbers'),
  21705: entry(400, 'Messaging Service is invalid'),
  21710: entry(400, 'Phone number is already in a Messaging Service'),
  30003: entry(400, 'Unreachable destination handset'),
  30008: entry(400, 'Unknown error', 'retry'),
  30036: entry(400, 'Validity Period Expired'),
} as const satisfies Record<number, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export function describeError(code: ErrorCode): ErrorDefinition {
  return ERROR_CATALOG[code];
}

export function moreInfo(code: number): string {
  return `https://www.twilio.com/docs/errors/${code}`;
}

/** The definition of any numeric code, or undefined for a code the catalog does not list. */
export function lookupError(code: number): ErrorDefinition | undefined {
  return (ERROR_CATALOG as Record<number, ErrorDefinition | undefined>)[code];
}
