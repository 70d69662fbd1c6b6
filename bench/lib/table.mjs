// Markdown tables (printed as is, so the output pastes into a README).
import { fmtAuto, fmtSummary } from './stats.mjs';

export function markdownTable(header, rows, align = []) {
  const cells = [header, ...rows].map((row) => row.map((c) => String(c ?? '–')));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => row[i].length)));
  const line = (row) =>
    `| ${row.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

const BASE_COLUMNS = [
  ['ops/s', 'opsPerSec', 0],
  ['node µs/op', 'nodeUsPerOp', 1],
  ['redis µs/op', 'redisUsPerOp', 1],
  ['node CPU %', 'nodeCpuPct', 0],
  ['redis CPU %', 'redisCpuPct', 0],
  ['redis cmds/op', 'redisCallsPerOp', 1],
  ['bytes to redis/op', 'netInBytesPerOp', 0],
];

/** One row per library of a case: medians (min–max) of the base metrics plus `extra` columns. */
export function caseTable(caseResult, extra = []) {
  const columns = [...BASE_COLUMNS, ...extra];
  const header = ['library', ...columns.map(([label]) => label), 'clean'];
  const rows = Object.entries(caseResult.results).map(([lib, r]) => [
    lib,
    ...columns.map(([, key, digits]) => {
      const s = r.summary[key];
      if (!s) return '–';
      return digits === 'auto' ? fmtAuto(s.median) : fmtSummary(s, digits);
    }),
    `${r.cleanSamples}/${r.samples.length}${r.dirty ? ' DIRTY' : ''}`,
  ]);
  return markdownTable(header, rows, ['l', ...columns.map(() => 'r'), 'r']);
}
