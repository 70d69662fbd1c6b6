// Where an RRuleSchedule gets its floating wall-time occurrences from: rrule itself for
// DAILY and coarser rules (restarted near the query, see rrule-jump.ts), our own iterator for
// sub-daily ones (see subdaily.ts), and a list computed once for COUNT rules.
import rrule, { type Options } from 'rrule';
import { jumpStart } from './rrule-jump.js';
import { Freq, type ParsedRRule } from './rrule-parse.js';
import { SubDailyIterator, type SubDailyRule } from './subdaily.js';

const { RRule } = rrule;
type RRuleInstance = InstanceType<typeof RRule>;

/** A source of floating wall-time occurrences. */
export interface WallSource {
  /** The first occurrence strictly after `afterWall`, or null. */
  next(afterWall: number): number | null;
}

/** The source for a validated rule with explicit `options` (rrule-options.ts), anchored at `anchor`. */
export function createWallSource(rule: ParsedRRule, options: Partial<Options>, anchor: number): WallSource {
  if (rule.freq >= Freq.HOURLY) {
    const iterator = new SubDailyIterator({
      freq: rule.freq as SubDailyRule['freq'],
      interval: rule.interval,
      anchor,
      untilWall: options.until?.getTime() ?? null,
      bysetpos: rule.bysetpos,
      bymonth: rule.bymonth,
      bymonthday: rule.bymonthday,
      byyearday: rule.byyearday,
      byweekday: rule.byday?.map((d) => d.weekday) ?? null,
      byhour: numbers(options.byhour),
      byminute: numbers(options.byminute),
      bysecond: numbers(options.bysecond),
    });
    if (rule.count === null) return iterator;
    return new CountedOccurrences(rule.count, () => enumerate(iterator, anchor - 1, rule.count ?? 0));
  }
  if (rule.count === null) return new JumpedRRule(rule, options, anchor);
  const all = (): Date[] => new RRule({ ...options, dtstart: new Date(anchor) }, true).all();
  return new CountedOccurrences(rule.count, () => all().map((d) => d.getTime()));
}

function numbers(value: Options['byhour'] | undefined): number[] | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? [value] : value;
}

function enumerate(source: WallSource, from: number, count: number): number[] {
  const out: number[] = [];
  for (let t = source.next(from); t !== null && out.length < count; t = source.next(t)) out.push(t);
  return out;
}

// rrule restarted at the latest INTERVAL-aligned period start before the query.
class JumpedRRule implements WallSource {
  private cached: { start: number; rrule: RRuleInstance } | undefined;

  constructor(
    private readonly rule: ParsedRRule,
    private readonly options: Partial<Options>,
    private readonly anchor: number,
  ) {}

  next(afterWall: number): number | null {
    const { freq, interval, wkst } = this.rule;
    const start = jumpStart(freq, interval, wkst, this.anchor, afterWall);
    if (this.cached?.start !== start) {
      this.cached = { start, rrule: new RRule({ ...this.options, dtstart: new Date(start) }, true) };
    }
    return this.cached.rrule.after(new Date(afterWall), false)?.getTime() ?? null;
  }
}

// COUNT counts from the anchor, so such rules cannot be restarted: list them once, then search.
class CountedOccurrences implements WallSource {
  private list: Float64Array | undefined;

  constructor(
    readonly count: number,
    private readonly compute: () => number[],
  ) {}

  next(afterWall: number): number | null {
    this.list ??= Float64Array.from(this.compute());
    const list = this.list;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid] ?? Infinity) <= afterWall) lo = mid + 1;
      else hi = mid;
    }
    return list[lo] ?? null;
  }
}
