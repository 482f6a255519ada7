/**
 * Secrets that must never be stored, returned or logged with a webhook exchange: credentials
 * written into a webhook URL (`https://user:pass@host/sms`) are masked wherever the URL is kept
 * (exchange records, alerts, ErrorUrl, logs). The request itself still carries them as Basic auth.
 */

/** `https://user:pass@host/x` → `https://user:****@host/x`; a user-only `https://tok@host` → `https://****@host`. */
export function maskUrlCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}****@` : `${scheme}${userinfo.slice(0, colon)}:****@`;
  });
}
