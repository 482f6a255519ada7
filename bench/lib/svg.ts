/**
 * A small, dependency-free SVG chart of a run: throughput per workload on the left, p50 and p99
 * latency on the right, one row per workload, so a README can show the shape of the results.
 */
import { isSkipped, fmt, fmtCount, type Results } from './report.js';

interface Row {
  label: string;
  rate: number;
  p50: number | null;
  p99: number | null;
  color: string;
}

const COLORS = { ceiling: '#7f8c8d', parley: '#2a7ab0', kannel: '#c0392b', growth: '#27ae60', postgres: '#8e44ad' };

function rowsOf(res: Results): Row[] {
  const w = res.workloads;
  const rows: Row[] = [];
  if (!isSkipped(w.httpCeiling)) {
    const s = w.httpCeiling.saturation;
    rows.push({ label: 'HTTP ceiling', rate: s.rate, p50: s.latencyMs.p50, p99: s.latencyMs.p99, color: COLORS.ceiling });
  }
  for (const [label, r] of [['Parley, minimal app', w.fullLoop.minimal], ['Parley, session-counter', w.fullLoop.sessionCounter]] as const) {
    if (isSkipped(r)) continue;
    rows.push({
      label: `${label} (saturation)`, rate: r.saturation.rate, p50: r.saturation.latencyMs.p50, p99: r.saturation.latencyMs.p99,
      color: COLORS.parley,
    });
    rows.push({
      label: `${label} (steady ${fmt(r.steady.offeredRate ?? 0)}/s)`, rate: r.steady.rate, p50: r.steady.latencyMs.p50,
      p99: r.steady.latencyMs.p99, color: COLORS.parley,
    });
  }
  if (!w.kannel.skipped) rows.push({ label: 'Kannel (no store)', rate: w.kannel.rate, p50: null, p99: null, color: COLORS.kannel });
  if (!isSkipped(w.growth)) {
    for (const p of w.growth.points) {
      rows.push({
        label: `Parley, ${fmtCount(p.conversations)} stored`, rate: p.saturation.rate, p50: p.saturation.latencyMs.p50,
        p99: p.saturation.latencyMs.p99, color: COLORS.growth,
      });
    }
  }
  if (!isSkipped(w.postgres)) {
    const s = w.postgres.oneNode.saturation;
    rows.push({ label: 'Parley on PostgreSQL (saturation)', rate: s.rate, p50: s.latencyMs.p50, p99: s.latencyMs.p99, color: COLORS.postgres });
    for (const p of w.postgres.nodes) {
      rows.push({
        label: `PostgreSQL, ${p.nodes} node${p.nodes > 1 ? 's' : ''}`, rate: p.saturation.rate, p50: p.saturation.latencyMs.p50,
        p99: p.saturation.latencyMs.p99, color: COLORS.postgres,
      });
    }
  }
  return rows;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function chart(res: Results): string {
  const rows = rowsOf(res);
  const rowH = 22;
  const top = 50;
  const labelW = 270;
  const barW = 240;
  const gap = 90; // room for the value printed after the longest bar
  const width = labelW + barW + gap + barW + 110;
  const height = top + rows.length * rowH + 30;
  const maxRate = Math.max(1, ...rows.map((r) => r.rate));
  const maxLat = Math.max(0.001, ...rows.map((r) => r.p99 ?? 0));
  const x2 = labelW + barW + gap;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="13" font-weight="bold">Parley bench (${esc(res.profile)}), ${esc(res.machine.cpus.toString())} cores, ${esc(res.machine.node)}</text>`,
    `<text x="${labelW}" y="${top - 10}" font-weight="bold">completed turns per second</text>`,
    `<text x="${x2}" y="${top - 10}" font-weight="bold">latency p50 (dark) / p99 (light), ms</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(r.label)}</text>`);
    const w = Math.max(1, (r.rate / maxRate) * barW);
    out.push(`<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${r.color}"/>`);
    out.push(`<text x="${(labelW + w + 4).toFixed(1)}" y="${y + 14}">${fmt(r.rate)}</text>`);
    if (r.p99 !== null && r.p50 !== null) {
      const w99 = Math.max(1, (r.p99 / maxLat) * barW);
      const w50 = Math.max(1, (r.p50 / maxLat) * barW);
      out.push(`<rect x="${x2}" y="${y + 3}" width="${w99.toFixed(1)}" height="${rowH - 6}" fill="${r.color}" opacity="0.35"/>`);
      out.push(`<rect x="${x2}" y="${y + 3}" width="${w50.toFixed(1)}" height="${rowH - 6}" fill="${r.color}"/>`);
      out.push(`<text x="${(x2 + w99 + 4).toFixed(1)}" y="${y + 14}">${r.p50.toFixed(2)} / ${r.p99.toFixed(2)}</text>`);
    } else {
      out.push(`<text x="${x2}" y="${y + 14}" fill="#888">not measured per message</text>`);
    }
  });
  out.push(`<text x="10" y="${height - 10}" fill="#666">${esc(res.startedAt)} · ${esc(res.machine.cpuModel)}</text>`);
  out.push('</svg>');
  return out.join('\n');
}
