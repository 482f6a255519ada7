/**
 * Durations as users write them: `90s`, `15m`, `4h`, `1d`, `500ms`, a bare number of seconds, or
 * units in a row such as `1h30m` and `4h1s` (what the console's "Copy as a test" writes).
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const BARE_SECONDS = /^\d+(?:\.\d+)?$/;
const PARTS = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

export function parseDuration(text: string): number {
  const trimmed = text.trim();
  let ms = 0;
  if (BARE_SECONDS.test(trimmed)) ms = Number(trimmed) * UNIT_MS.s;
  else if (PARTS.test(trimmed)) {
    for (const [, amount, unit] of trimmed.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  } else throw new RangeError(`"${text}" is not a duration (use forms like 90s, 15m, 4h)`);
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`"${text}" must be a positive duration`);
  return Math.round(ms);
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Whole seconds as units in a row that `parseDuration` reads back: 14401000 → `4h1s`, 90000 → `1m30s`. */
export function formatDurationParts(ms: number): string {
  let left = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
  }
  return parts.length > 0 ? parts.join('') : '0s';
}
