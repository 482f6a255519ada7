/**
 * Test helper: a parser of the Prometheus text exposition format 0.0.4 (prom-client writes it but
 * has no parser), strict enough to fail on what Prometheus would refuse: `# HELP` and `# TYPE`
 * lines, samples with escaped label values (\\, \", \n), +Inf/-Inf/NaN (any case, as Prometheus
 * reads them: prom-client writes `Nan`), optional timestamps.
 * Histogram and summary samples (`_bucket`, `_sum`, `_count`) belong to their family.
 * Also runs `promtool check metrics` (Debian's `prometheus` package; `.ci/run` installs it).
 */
import { spawn } from 'node:child_process';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
    return f;
  };
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
      if (!meta) return; // another comment
      const f = family(meta[2]!);
      if (meta[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3]!)) throw new Error(`${where}: unknown type`);
        if (f.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        f.type = meta[3]!;
      } else {
        f.help = meta[3]!.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
      }
      return;
    }
    const sample = parseSample(line, where);
    const base = sample.name.replace(/_(bucket|sum|count)$/, '');
    const owner = base !== sample.name && families.has(base) && ['histogram', 'summary'].includes(families.get(base)!.type) ? base : sample.name;
    family(owner).samples.push(sample);
  });
  return families;
}

function parseSample(line: string, where: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error(`${where}: no metric name`);
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
      if (!label || line[i + label.length] !== '=' || line[i + label.length + 1] !== '"') throw new Error(`${where}: bad label at ${i}`);
      i += label.length + 2;
      let value = '';
      for (;;) {
        const c = line[i++];
        if (c === undefined) throw new Error(`${where}: unterminated label value`);
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i++];
          if (e === 'n') value += '\n';
          else if (e === '\\' || e === '"') value += e;
          else throw new Error(`${where}: bad escape \\${e ?? ''}`);
        } else {
          value += c;
        }
      }
      if (label in labels) throw new Error(`${where}: label ${label} twice`);
      labels[label] = value;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`${where}: expected , or } at ${i}`);
    }
    i++;
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (line[i] !== ' ' || rest.length < 1 || rest.length > 2) throw new Error(`${where}: expected a value (and a timestamp)`);
  const value = parseValue(rest[0]!, where);
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) throw new Error(`${where}: bad timestamp`);
  return { name, labels, value };
}

/** As Prometheus reads a value (Go's strconv.ParseFloat): Inf and NaN in any letter case. */
function parseValue(text: string, where: string): number {
  if (/^\+?inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${text}`);
  return Number(text);
}

/** The value of the one sample of `name` whose labels include `labels`; throws when there is not exactly one. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const family = families.get(name) ?? families.get(base);
  const matches = (family?.samples ?? []).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length !== 1) throw new Error(`${name}${JSON.stringify(labels)}: ${matches.length} samples`);
  return matches[0]!.value;
}

/** `promtool check metrics` on the text: resolves with its exit code and output. */
export function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT'
      ? new Error('promtool is not installed: apt-get install prometheus (Debian; .ci/run installs it)')
      : error));
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
