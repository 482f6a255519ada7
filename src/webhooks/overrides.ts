/**
 * Connection overrides written as a URL fragment (`https://app/sms#ct=1000&rc=2`).
 * https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides
 * The fragment never reaches the app and is not part of the signed URL.
 */
export interface ConnectionPolicy {
  connectTimeoutMs: number;
  readTimeoutMs: number;
  totalTimeoutMs: number;
  retryCount: number;
  retryOn: ReadonlySet<'ct' | 'rt' | '4xx' | '5xx'>;
}

export const DEFAULT_POLICY: ConnectionPolicy = {
  connectTimeoutMs: 5000,
  readTimeoutMs: 15000,
  totalTimeoutMs: 15000,
  retryCount: 1,
  retryOn: new Set(['ct']),
};

const RANGES = { ct: [100, 10000], rt: [100, 15000], tt: [100, 15000], rc: [0, 5] } as const;

/** Splits a configured URL into the URL to request and sign, and its connection policy. */
export function splitOverrides(configured: string, base: ConnectionPolicy = DEFAULT_POLICY): { url: string; policy: ConnectionPolicy } {
  const hash = configured.indexOf('#');
  if (hash < 0) return { url: configured, policy: base };
  const url = configured.slice(0, hash);
  const policy = { ...base, retryOn: new Set(base.retryOn) };
  for (const pair of configured.slice(hash + 1).split('&')) {
    const [key, value = ''] = pair.split('=');
    if (key === 'rp') {
      const kinds = value.split(',').flatMap((v) => (v === 'all' ? ['ct', 'rt', '4xx', '5xx'] : [v]));
      policy.retryOn = new Set(kinds.filter((k): k is 'ct' | 'rt' | '4xx' | '5xx' => ['ct', 'rt', '4xx', '5xx'].includes(k)));
      continue;
    }
    if (key !== 'ct' && key !== 'rt' && key !== 'tt' && key !== 'rc') continue; // sni, e: no meaning here
    const n = Number(value);
    const [min, max] = RANGES[key];
    if (!Number.isInteger(n) || n < min || n > max) continue; // out of range: keep the default
    if (key === 'ct') policy.connectTimeoutMs = n;
    else if (key === 'rt') policy.readTimeoutMs = n;
    else if (key === 'tt') policy.totalTimeoutMs = n;
    else policy.retryCount = n;
  }
  return { url, policy };
}
