/**
 * `node dist/bench/profile-stages.js FILE.cpuprofile [--from=S] [--to=S] [--turns=N]`: a gateway's
 * `--cpu-prof` profile cut into the stages of a turn (bench/lib/stages.ts), from its start second
 * `--from` to `--to`. With `--turns` (the turns completed in that window) it also prints µs per turn.
 */
import { readFileSync } from 'node:fs';
import { stageClassifier, type Frame } from './lib/stages.js';

interface ProfileNode { id: number; callFrame: Frame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

function main(): void {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-stages.js FILE.cpuprofile [--from=S] [--to=S] [--turns=N]\n');
    process.exit(2);
  }
  const option = (name: string): number | undefined => {
    const value = rest.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    return value === undefined ? undefined : Number(value);
  };
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const classify = stageClassifier((id) => byId.get(id)!.callFrame, (id) => parent.get(id));
  const from = (option('from') ?? 0) * 1e6;
  const to = (option('to') ?? Number.POSITIVE_INFINITY) * 1e6;
  const totals = new Map<string, number>();
  let clock = 0;
  let window = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    clock += delta;
    if (clock < from || clock > to) return;
    window += delta;
    const stage = classify(id);
    totals.set(stage, (totals.get(stage) ?? 0) + delta);
  });
  const busy = window - (totals.get('idle') ?? 0);
  const turns = option('turns');
  console.log(`window ${(window / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s (${((100 * busy) / Math.max(1, window)).toFixed(0)} %)${turns ? `, ${turns} turns` : ''}`);
  for (const [stage, us] of [...totals].sort((a, b) => b[1] - a[1])) {
    if (stage === 'idle') continue;
    const perTurn = turns ? `  ${(us / turns).toFixed(1).padStart(7)} µs/turn` : '';
    console.log(`  ${((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5)} % of busy${perTurn}  ${stage}`);
  }
}

main();
