/**
 * `node dist/bench/profile-summary.js FILE.cpuprofile [--top=N]`: where a `--cpu-prof` profile of
 * the gateway (from `npm run bench -- --cpu-prof=DIR`) spends its time, as text: self time per
 * function, self time per source file or package, and inclusive time of Parley's own functions.
 * Enough to find the hot spots without a browser; open the file in Chrome DevTools for a flame graph.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function parse(text: string): CpuProfile {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || !('nodes' in value) || !('samples' in value) || !('timeDeltas' in value)) {
    throw new Error('not a V8 CPU profile');
  }
  return value as CpuProfile;
}

/** A readable place for a URL: the package name under node_modules, or the path from dist/. */
function placeOf(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length);
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\/.*\//, '');
}

function main(): void {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js FILE.cpuprofile [--top=N]\n');
    process.exit(2);
  }
  const top = Number(rest.find((a) => a.startsWith('--top='))?.slice(6) ?? 30);
  const profile = parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const selfByFunction = new Map<string, number>();
  const selfByPlace = new Map<string, number>();
  const inclusiveOwn = new Map<string, number>();
  const inclusivePlace = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const place = placeOf(url);
    const fn = `${functionName || '(anonymous)'} ${place}${url ? `:${lineNumber + 1}` : ''}`;
    selfByFunction.set(fn, (selfByFunction.get(fn) ?? 0) + us);
    selfByPlace.set(place, (selfByPlace.get(place) ?? 0) + us);
    // Inclusive time of Parley's own functions and of each package: walk up the stack, counting
    // each function (and each package) once per sample.
    const seen = new Set<string>();
    const seenPlaces = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const where = placeOf(f.url);
      if (!where.startsWith('src/') && !where.startsWith('node:') && where !== '(native)' && !seenPlaces.has(where)) {
        seenPlaces.add(where);
        inclusivePlace.set(where, (inclusivePlace.get(where) ?? 0) + us);
      }
      if (!f.url.includes('/dist/src/')) continue;
      const key = `${f.functionName || '(anonymous)'} ${placeOf(f.url)}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusiveOwn.set(key, (inclusiveOwn.get(key) ?? 0) + us);
    }
  }

  const print = (title: string, map: Map<string, number>): void => {
    process.stdout.write(`\n${title}\n`);
    const rows = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [name, us] of rows) {
      process.stdout.write(`${((us / total) * 100).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}\n`);
    }
  };
  process.stdout.write(`profile: ${(total / 1e6).toFixed(2)} s of samples\n`);
  print('self time by package or file', selfByPlace);
  print('self time by function', selfByFunction);
  print('inclusive time by package (everything under its frames)', inclusivePlace);
  print("inclusive time of Parley's functions", inclusiveOwn);
}

main();
