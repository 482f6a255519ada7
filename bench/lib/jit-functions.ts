/**
 * Callgrind's instructions by function, JavaScript included (`bench/counts.ts --functions=N`).
 * Callgrind names native functions from their symbols, but code V8 compiled at run time has none:
 * it shows as `???:0x…`, an address in no file. Started with `--perf-basic-prof`, V8 writes every
 * code object it makes to `/tmp/perf-<pid>.map` (start, size, name), the map Linux `perf` reads;
 * this looks each address up there, so a function of the gateway's own code gets its name, file and
 * line (`*` before the name: optimized by TurboFan; `^`: Sparkplug's baseline code).
 *
 * What it gives is self cost (instructions in the function's own code, not its callees): callgrind's
 * inclusive figures do not hold for JIT code, whose calls and returns it cannot pair. The map costs
 * the gateway about 1 % more instructions (V8 logs each code object it moves), so compare builds
 * with the flag on both or on neither.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

interface MapEntry {
  start: number;
  end: number;
  name: string;
}

/** Where V8 writes the map of a process started with `--perf-basic-prof` (fixed by V8). */
export function perfMapOf(pid: number): string {
  return `/tmp/perf-${pid}.map`;
}

function readPerfMap(path: string): MapEntry[] {
  if (!existsSync(path)) return [];
  const entries: MapEntry[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const first = line.indexOf(' ');
    const second = line.indexOf(' ', first + 1);
    if (first < 0 || second < 0) continue;
    const start = Number.parseInt(line.slice(0, first), 16);
    const size = Number.parseInt(line.slice(first + 1, second), 16);
    if (Number.isFinite(start) && Number.isFinite(size)) entries.push({ start, end: start + size, name: line.slice(second + 1) });
  }
  return entries.sort((a, b) => a.start - b.start);
}

/** The entry holding `address`: the last one starting at or before it, if it reaches that far. */
function lookUp(entries: readonly MapEntry[], address: number): string | null {
  let low = 0;
  let high = entries.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (entries[mid]!.start <= address) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found >= 0 && address < entries[found]!.end ? entries[found]!.name : null;
}

/** A callgrind_annotate line: `  1,234,567 ( 1.23%)  file:function [object]`. */
const LINE = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.+)$/;
const JIT_ADDRESS = /^\?\?\?:0x([0-9a-f]+)/;

/**
 * The `top` functions by self instructions a turn over every dump, named through the perf map when
 * callgrind could not name them; paths shortened to the project's own.
 */
export function functionsOf(dumps: readonly string[], perfMap: string, turns: number, top: number): Array<[string, number]> {
  const entries = readPerfMap(perfMap);
  const totals = new Map<string, number>();
  for (const dump of dumps) {
    const text = execFileSync('callgrind_annotate', ['--threshold=100', '--inclusive=no', dump], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    for (const line of text.split('\n')) {
      const match = LINE.exec(line);
      if (!match || match[2]!.startsWith('PROGRAM TOTALS')) continue;
      const instructions = Number(match[1]!.replace(/,/g, ''));
      let name = match[2]!.replace(/\s*\[[^\]]*\]$/, '');
      const jit = JIT_ADDRESS.exec(name);
      if (jit) name = lookUp(entries, Number.parseInt(jit[1]!, 16)) ?? name;
      name = name.replace(/file:\/\/\S*?\/dist\//, '').replace(/\S*\/node_modules\//, '');
      totals.set(name, (totals.get(name) ?? 0) + instructions);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, n]) => [name, Math.round(n / turns)]);
}
