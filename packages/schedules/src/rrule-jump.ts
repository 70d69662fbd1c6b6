// Where to restart an rrule iteration so that it reaches `from` quickly yet yields exactly the
// occurrences the rule anchored at `anchor` would yield from there on.
//
// Used for DAILY and coarser rules (sub-daily ones have their own iterator, subdaily.ts).
// rrule walks periods (years, months, weeks from WKST, days) starting
// with the anchor's period and stepping INTERVAL periods at a time; within a period the BYxxx
// parts expand and filter, and BYSETPOS picks among the period's own candidates. So any period
// start that is a whole number of INTERVALs after the anchor's period, with every default that
// rrule would take from DTSTART made explicit (rrule-options.ts), is an equivalent DTSTART for
// all later periods. COUNT counts from the anchor and cannot be moved: callers never jump it.
import { Freq } from './rrule-parse.js';
import { utcDate, weekdayOf } from './floating.js';

const DAY_MS = 86_400_000;

/**
 * The latest period start `p` with `anchor <= p <= from` whose period is a multiple of
 * `interval` periods after the anchor's; `anchor` itself when there is none. Floating ms.
 */
export function jumpStart(freq: Freq, interval: number, wkst: number, anchor: number, from: number): number {
  if (from <= anchor) return anchor;
  if (freq === Freq.DAILY) {
    const day = (t: number): number => Math.floor(t / DAY_MS);
    return alignedStart(day(anchor), day(from), interval, anchor, (i) => i * DAY_MS);
  }
  if (freq === Freq.WEEKLY) {
    const week = (t: number): number => {
      const day = Math.floor(t / DAY_MS);
      return (day - ((weekdayOf(t) - wkst + 7) % 7)) / 7;
    };
    return alignedStart(week(anchor), week(from), interval, anchor, (i) => i * 7 * DAY_MS);
  }
  const perYear = freq === Freq.MONTHLY ? 12 : 1;
  const index = (t: number): number => {
    const d = new Date(t);
    return d.getUTCFullYear() * perYear + (perYear === 12 ? d.getUTCMonth() : 0);
  };
  return alignedStart(index(anchor), index(from), interval, anchor, (i) =>
    utcDate(Math.floor(i / perYear), i % perYear, 1),
  );
}

function alignedStart(
  anchorIndex: number,
  fromIndex: number,
  interval: number,
  anchor: number,
  startOf: (index: number) => number,
): number {
  const steps = Math.floor((fromIndex - anchorIndex) / interval);
  return steps <= 0 ? anchor : startOf(anchorIndex + steps * interval);
}
