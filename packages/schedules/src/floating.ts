// Helpers for "floating" wall time: a local clock reading stored as epoch ms as if it were UTC,
// so plain UTC arithmetic applies (every day has 24 hours, no daylight saving).

/** `Date.UTC` without its mapping of years 0–99 to 1900–1999. */
export function utcDate(year: number, month: number, day: number, h = 0, m = 0, s = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(h, m, s, 0);
  return date.getTime();
}

/** Weekday of floating ms `t`, numbered as rrule does: MO = 0 ... SU = 6. */
export function weekdayOf(t: number): number {
  return (new Date(t).getUTCDay() + 6) % 7;
}
