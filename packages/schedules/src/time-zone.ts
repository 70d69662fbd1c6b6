// Offsets and daylight-saving transitions of an IANA zone, computed with luxon (never with the
// host's local time). All values are epoch milliseconds; a "wall" time is the zone's local
// clock reading encoded as if it were UTC ("floating" time).
import { IANAZone } from 'luxon';
import { InvalidTimeZoneError } from './errors.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
// Probe spacing when looking for transitions. Since 1970 no zone has had two transitions less
// than 7 days apart, so one probe interval never hides a pair of transitions.
const PROBE_STEP_MS = 4 * DAY_MS;
const MAX_CACHED_YEARS = 1024;

/** One change of a zone's UTC offset: from `at` on, the offset is `offsetAfter` (ms). */
export interface ZoneTransition {
  readonly at: number;
  readonly offsetBefore: number;
  readonly offsetAfter: number;
}

/**
 * Validates an IANA time zone name and returns its canonical spelling (`'utc'` → `'UTC'`).
 * Throws `InvalidTimeZoneError` for anything else.
 */
export function resolveTimeZone(timezone: unknown): string {
  if (typeof timezone !== 'string' || timezone.trim() === '' || !IANAZone.isValidZone(timezone)) {
    throw new InvalidTimeZoneError(timezone);
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    throw new InvalidTimeZoneError(timezone);
  }
}

/** A zone's offsets and transitions, with the transitions of each year computed once and cached. */
export class ZoneClock {
  private static readonly clocks = new Map<string, ZoneClock>();

  /** True for zones that never change offset (`UTC`, `Etc/*`): no transition search is needed. */
  readonly fixed: boolean;
  private readonly zone: IANAZone;
  private readonly years = new Map<number, readonly ZoneTransition[]>();

  private constructor(readonly name: string) {
    this.zone = IANAZone.create(name);
    this.fixed = name === 'UTC' || name.startsWith('Etc/');
  }

  /** The shared clock of a canonical zone name (see `resolveTimeZone`). */
  static of(name: string): ZoneClock {
    let clock = ZoneClock.clocks.get(name);
    if (clock === undefined) {
      clock = new ZoneClock(name);
      ZoneClock.clocks.set(name, clock);
    }
    return clock;
  }

  /** UTC offset in ms at instant `t`. */
  offsetAt(t: number): number {
    return this.fixed && this.name === 'UTC' ? 0 : Math.round(this.zone.offset(t) * MINUTE_MS);
  }

  /** The wall-clock reading at instant `t`, as floating ms. */
  wallAt(t: number): number {
    return t + this.offsetAt(t);
  }

  /** The first transition with `from < at <= to`, or null. */
  firstTransition(from: number, to: number): ZoneTransition | null {
    if (this.fixed || to <= from) return null;
    for (let year = yearOf(from); year <= yearOf(to); year++) {
      for (const transition of this.transitionsOfYear(year)) {
        if (transition.at > to) return null;
        if (transition.at > from) return transition;
      }
    }
    return null;
  }

  /** The last transition with `from < at <= to`, or null. */
  lastTransition(from: number, to: number): ZoneTransition | null {
    if (this.fixed || to <= from) return null;
    for (let year = yearOf(to); year >= yearOf(from); year--) {
      const list = this.transitionsOfYear(year);
      for (let i = list.length - 1; i >= 0; i--) {
        const transition = list[i] as ZoneTransition;
        if (transition.at <= from) return null;
        if (transition.at <= to) return transition;
      }
    }
    return null;
  }

  // Transitions with Date.UTC(year) < at <= Date.UTC(year + 1), ascending.
  private transitionsOfYear(year: number): readonly ZoneTransition[] {
    const cached = this.years.get(year);
    if (cached !== undefined) return cached;
    const end = Date.UTC(year + 1, 0, 1);
    const found: ZoneTransition[] = [];
    let a = Date.UTC(year, 0, 1);
    let offsetA = this.offsetAt(a);
    while (a < end) {
      const b = Math.min(a + PROBE_STEP_MS, end);
      const offsetB = this.offsetAt(b);
      if (offsetB !== offsetA) found.push(this.bisect(a, b, offsetA));
      a = b;
      offsetA = offsetB;
    }
    if (this.years.size >= MAX_CACHED_YEARS) this.years.clear();
    this.years.set(year, found);
    return found;
  }

  // The instant in (lo, hi] where the offset stops being `offsetLo`.
  private bisect(lo: number, hi: number, offsetLo: number): ZoneTransition {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetAt(mid) === offsetLo) lo = mid;
      else hi = mid;
    }
    return { at: hi, offsetBefore: offsetLo, offsetAfter: this.offsetAt(hi) };
  }
}

function yearOf(t: number): number {
  return new Date(t).getUTCFullYear();
}
