// Small statistics helpers: medians of samples, percentiles of latencies, number formatting.

export function median(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

export function range(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return null;
  return [Math.min(...xs), Math.max(...xs)];
}

/** { median, min, max, n } of one metric over samples. */
export function summarize(values) {
  const r = range(values);
  return { median: median(values), min: r ? r[0] : null, max: r ? r[1] : null, n: values.length };
}

/** Nearest-rank percentile of an unsorted array (copied and sorted). */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const xs = Float64Array.from(values).sort();
  const rank = Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1));
  return xs[rank];
}

/** A latency recorder with a hard cap on stored values (bounded memory). */
export class Latencies {
  constructor(cap = 2_000_000) {
    this.cap = cap;
    this.values = [];
    this.dropped = 0;
  }

  add(ms) {
    if (this.values.length < this.cap) this.values.push(ms);
    else this.dropped++;
  }

  summary() {
    const v = this.values;
    let sum = 0;
    for (const x of v) sum += x;
    return {
      count: v.length,
      mean: v.length ? sum / v.length : null,
      p50: percentile(v, 50),
      p99: percentile(v, 99),
      max: v.length ? percentile(v, 100) : null,
    };
  }
}

export function fmtNum(x, digits = 0) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "12,345 (12,000–12,600)" from a summary; the range is left out when there is one sample. */
export function fmtSummary(s, digits = 0) {
  if (!s || s.median === null) return '–';
  const m = fmtNum(s.median, digits);
  if (s.n <= 1 || s.min === s.max) return m;
  return `${m} (${fmtNum(s.min, digits)}–${fmtNum(s.max, digits)})`;
}

/** Significant-ish digits for small values (latencies in ms, µs per op). */
export function fmtAuto(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 100) return fmtNum(x, 0);
  if (a >= 10) return fmtNum(x, 1);
  if (a >= 1) return fmtNum(x, 2);
  return fmtNum(x, 3);
}
