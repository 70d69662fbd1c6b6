// The locks suite's ratio rows and targets: ratio = subject (default ours) / anchor.
import { fmtAuto, fmtNum } from '../lib/stats.mjs';
import { markdownTable } from '../lib/table.mjs';

const med = (cases, id, lib, key) =>
  cases.find((c) => c.id === id)?.results[lib]?.summary[key]?.median ?? null;

/**
 * The ratio rows: ratio = subject (default ours) / anchor of the metric. `target` checks are on the ratio
 * (`min`) or on ours' absolute value (`absMin`, `absMax`); `allMax` applies to every library.
 */
const ROWS = [
  {
    id: 'mutex-c50',
    label: 'mutex ×50 ops/s',
    key: 'opsPerSec',
    anchor: 'redis-semaphore',
    target: { min: 1.8 },
  },
  { id: 'mutex-c50', label: 'mutex ×50 ops/s', key: 'opsPerSec', anchor: 'redlock' },
  {
    id: 'mutex-c50',
    label: 'mutex ×50 ops/s, vs bare 2-command floor',
    key: 'opsPerSec',
    anchor: 'bare-ioredis',
  },
  {
    id: 'mutex-c50',
    label: 'mutex ×50 ops/s, redis-semaphore vs bare floor',
    key: 'opsPerSec',
    subject: 'redis-semaphore',
    anchor: 'bare-ioredis',
  },
  { id: 'mutex-c50', label: 'mutex ×50 node µs/op', key: 'nodeUsPerOp', anchor: 'redis-semaphore' },
  { id: 'mutex-c50', label: 'mutex ×50 redis µs/op', key: 'redisUsPerOp', anchor: 'redis-semaphore' },
  {
    id: 'mutex-seq',
    label: 'mutex seq ops/s',
    key: 'opsPerSec',
    anchor: 'redis-semaphore',
    target: { min: 1.0 },
  },
  { id: 'mutex-seq', label: 'mutex seq ops/s', key: 'opsPerSec', anchor: 'redlock' },
  {
    id: 'mutex-contended-1ms',
    label: 'contended 1 ms: handoff %',
    key: 'handoffPct',
    anchor: 'redis-semaphore',
    target: { absMin: 50 },
  },
  {
    id: 'mutex-contended-1ms',
    label: 'contended 1 ms: wait p99 ms',
    key: 'waitP99Ms',
    anchor: 'redis-semaphore',
    // The p99 wait of ours against the FIFO floor the run measured (waiters − 1) × mean hold.
    target: { ofOwnMax: { key: 'fifoFloorMs', factor: 1.3 } },
  },
  {
    id: 'mutex-contended-1ms',
    label: 'contended 1 ms: wait max ms',
    key: 'waitMaxMs',
    anchor: 'redis-semaphore',
  },
  { id: 'mutex-contended-1ms', label: 'contended 1 ms: ops/s', key: 'opsPerSec', anchor: 'redis-semaphore' },
  { id: 'mutex-contended-1ms', label: 'contended 1 ms: handoff %', key: 'handoffPct', anchor: 'redlock' },
  { id: 'mutex-contended-1ms', label: 'contended 1 ms: wait p99 ms', key: 'waitP99Ms', anchor: 'redlock' },
  {
    id: 'mutex-contended-1ms',
    label: 'contended 1 ms: violations',
    key: 'violations',
    anchor: 'redis-semaphore',
    target: { allMax: 0 },
  },
  {
    id: 'mutex-contended-tick',
    label: 'contended tick: handoff %',
    key: 'handoffPct',
    anchor: 'redis-semaphore',
  },
  {
    id: 'mutex-contended-tick',
    label: 'contended tick: wait p99 ms',
    key: 'waitP99Ms',
    anchor: 'redis-semaphore',
  },
  { id: 'mutex-contended-tick', label: 'contended tick: ops/s', key: 'opsPerSec', anchor: 'redis-semaphore' },
  {
    id: 'mutex-contended-tick',
    label: 'contended tick: violations',
    key: 'violations',
    anchor: 'redlock',
    target: { allMax: 0 },
  },
  {
    id: 'rate-c50',
    label: 'rate limit ×50 allowed ops/s',
    key: 'opsPerSec',
    anchor: 'rate-limiter-flexible',
    target: { min: 1.2 },
  },
  {
    id: 'rate-seq',
    label: 'rate limit seq allowed ops/s',
    key: 'opsPerSec',
    anchor: 'rate-limiter-flexible',
    target: { min: 1.0 },
  },
  {
    id: 'rate-rejected',
    label: 'rate limit ×50 rejected ops/s',
    key: 'opsPerSec',
    anchor: 'rate-limiter-flexible',
    target: { min: 1.0 },
  },
  {
    id: 'rate-c50',
    label: 'rate limit ×50 redis µs/op',
    key: 'redisUsPerOp',
    anchor: 'rate-limiter-flexible',
  },
  {
    id: 'semaphore',
    label: 'semaphore(5) ×50 ops/s',
    key: 'opsPerSec',
    anchor: 'redis-semaphore',
    target: { min: 1.0 },
  },
  {
    id: 'semaphore',
    label: 'semaphore(5) max concurrency',
    key: 'maxConcurrency',
    anchor: 'redis-semaphore',
    target: { allMax: 5 },
  },
  { id: 'semaphore', label: 'semaphore(5) wait p99 ms', key: 'waitP99Ms', anchor: 'redis-semaphore' },
];

function targetText(t) {
  if (!t) return '';
  if (t.min !== undefined) return `≥ ${t.min.toFixed(1)}×`;
  if (t.absMin !== undefined) return `ours ≥ ${t.absMin}`;
  if (t.absMax !== undefined) return `ours ≤ ${t.absMax}`;
  if (t.ofOwnMax !== undefined) return `ours ≤ ${t.ofOwnMax.factor} × ${t.ofOwnMax.key}`;
  return `all ≤ ${t.allMax}`;
}

export function ratioRows(cases) {
  return ROWS.filter((row) => cases.some((c) => c.id === row.id)).map((row) => {
    const subject = row.subject ?? 'ours';
    const ours = med(cases, row.id, subject, row.key);
    const anchor = med(cases, row.id, row.anchor, row.key);
    const ratio = ours !== null && anchor ? ours / anchor : null;
    let met = null;
    const t = row.target;
    if (t?.min !== undefined) met = ratio !== null && ratio >= t.min;
    if (t?.absMin !== undefined) met = ours !== null && ours >= t.absMin;
    if (t?.absMax !== undefined) met = ours !== null && ours <= t.absMax;
    if (t?.ofOwnMax !== undefined) {
      const bound = med(cases, row.id, subject, t.ofOwnMax.key);
      met = ours !== null && bound !== null && ours <= t.ofOwnMax.factor * bound;
    }
    if (t?.allMax !== undefined) {
      const c = cases.find((x) => x.id === row.id);
      met = Object.values(c.results).every((r) => (r.summary[row.key]?.max ?? Infinity) <= t.allMax);
    }
    const c = cases.find((x) => x.id === row.id);
    const dirty = Boolean(c?.results[subject]?.dirty || c?.results[row.anchor]?.dirty);
    return {
      case: row.label,
      metric: row.key,
      subject,
      dirty,
      anchorLib: row.anchor,
      ours,
      anchor,
      ratio,
      target: targetText(t),
      met,
    };
  });
}

export function ratioTable(rows) {
  const fmt = (x) => (Math.abs(x ?? 0) >= 1000 ? fmtNum(x, 0) : fmtAuto(x));
  return markdownTable(
    ['case', 'ours', 'anchor', 'anchor value', 'ratio', 'target', 'met?'],
    rows.map((r) => [
      r.case,
      `${fmt(r.ours)}${r.subject === 'ours' ? '' : ` (${r.subject})`}`,
      r.anchorLib,
      fmt(r.anchor),
      r.ratio === null ? '–' : `${r.ratio.toFixed(2)}×${r.dirty ? ' (dirty)' : ''}`,
      r.target || '–',
      r.met === null ? '–' : r.met ? 'yes' : 'NO',
    ]),
    ['l', 'r', 'l', 'r', 'r', 'l', 'l'],
  );
}
