// Small shared pieces: the hash route, async data loading, times and error banners.
import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

export function useHash(): string[] {
  // A query after the path (`#/messages?Status=failed`) belongs to the page, not to the route.
  const read = (): string[] => (location.hash.replace(/^#\/?/, '').split('?')[0] ?? '').split('/').map(decodeURIComponent).filter(Boolean);
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const on = (): void => setParts(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return parts;
}

export const href = (...parts: string[]): string => `#/${parts.map(encodeURIComponent).join('/')}`;

/** Loads with `load`, again whenever `reload()` is called or `deps` change. */
export function useData<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: string | null; reload: () => void } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then((data) => live && setState({ data, error: null }), (err: unknown) => live && setState((s) => ({ data: s.data, error: String(err instanceof Error ? err.message : err) })));
    return () => { live = false; };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function Problem({ error }: { error: string | null }): preact.JSX.Element | null {
  return error ? <p class="problem" role="alert">{error}</p> : null;
}

export function time(value: string | number): string {
  return new Date(value).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function left(seconds: number): string {
  if (seconds <= 0) return 'expired';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min` : `${seconds} s`;
}

export function ErrorCode({ code }: { code: number | string }): preact.JSX.Element {
  return <a class="code" href={`https://www.twilio.com/docs/errors/${code}`} target="_blank" rel="noreferrer">{code}</a>;
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }): preact.JSX.Element {
  return (
    <section>
      <header class="section-head"><h1>{title}</h1><div class="actions">{actions}</div></header>
      {children}
    </section>
  );
}
