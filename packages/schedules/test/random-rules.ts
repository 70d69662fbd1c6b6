// Seeded random RRULEs for the property tests: every FREQ, INTERVAL > 1, BYxxx parts within
// RFC 5545's constraints, BYSETPOS, WKST, COUNT and UNTIL, with a DTSTART close enough before
// the test window that rrule can iterate there without any jump.
import { between } from './reference.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
export const FREQS = ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY', 'MINUTELY', 'SECONDLY'] as const;
export type FreqName = (typeof FREQS)[number];
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
// How far before the window DTSTART may lie (cheap enough to iterate un-jumped), and the window.
const REACH: Record<FreqName, readonly [back: number, span: number]> = {
  YEARLY: [100 * 365 * DAY, 30 * 365 * DAY],
  MONTHLY: [60 * 365 * DAY, 4 * 365 * DAY],
  WEEKLY: [30 * 365 * DAY, 365 * DAY],
  DAILY: [20 * 365 * DAY, 60 * DAY],
  HOURLY: [60 * DAY, 5 * DAY],
  MINUTELY: [2 * DAY, 6 * HOUR],
  SECONDLY: [HOUR, 10 * 60_000],
};

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
// Lists are sorted: rrule applies BYSETPOS in list order, not time order (ours uses time order).
const some = (random: Random, n: number, make: () => number | string): string =>
  [...new Set(Array.from({ length: 1 + Math.floor(random() * n) }, make))]
    .sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : 0))
    .join(',');

function randomParts(random: Random, freq: FreqName): string[] {
  const parts: string[] = [];
  const maybe = (p: number, part: () => string): void => {
    if (random() < p) parts.push(part());
  };
  const coarse = freq === 'YEARLY' || freq === 'MONTHLY';
  maybe(coarse ? 0.4 : 0.15, () => `BYMONTH=${some(random, 3, () => between(random, 1, 12))}`);
  if (freq !== 'WEEKLY')
    maybe(0.3, () => `BYMONTHDAY=${some(random, 3, () => pick(random, [1, 5, 13, 28, -1, -3]))}`);
  const nth = coarse && random() < 0.5;
  maybe(
    0.5,
    () => `BYDAY=${some(random, 3, () => (nth ? pick(random, [1, 2, -1, 4]) : '') + pick(random, DAYS))}`,
  );
  if (freq === 'YEARLY' && !parts.some((p) => p.startsWith('BYMONTH') || p.includes('BYDAY=1'))) {
    maybe(0.2, () => `BYWEEKNO=${some(random, 2, () => pick(random, [1, 10, 26, 52, -1]))}`);
  }
  maybe(freq === 'HOURLY' ? 0.4 : 0.3, () => `BYHOUR=${some(random, 4, () => between(random, 0, 23))}`);
  maybe(0.3, () => `BYMINUTE=${some(random, 3, () => pick(random, [0, 15, 30, 45, 7]))}`);
  maybe(
    freq === 'SECONDLY' ? 0.5 : 0.1,
    () => `BYSECOND=${some(random, 3, () => pick(random, [0, 10, 30, 59]))}`,
  );
  if (parts.length > 0) maybe(0.15, () => `BYSETPOS=${some(random, 2, () => pick(random, [1, 2, -1]))}`);
  return parts;
}

export interface Case {
  readonly freq: FreqName;
  readonly text: string;
  readonly dtstart: Date;
  readonly start: number;
  readonly end: number;
}

export function randomCase(random: Random, freqs: readonly FreqName[] = FREQS): Case {
  const freq = pick(random, freqs);
  const [back, span] = REACH[freq];
  const start = Date.UTC(2026, 0, 1) + Math.floor(random() * 365 * DAY);
  const dtstart = new Date(Math.floor((start - random() * back) / 1000) * 1000);
  const parts = [`FREQ=${freq}`, ...randomParts(random, freq)];
  if (random() < 0.5) parts.push(`INTERVAL=${pick(random, [2, 3, 5, 7, 13, 60, 90])}`);
  if (random() < 0.4) parts.push(`WKST=${pick(random, DAYS)}`);
  const ending = random();
  if (ending < 0.1) parts.push(`COUNT=${between(random, 1, 300)}`);
  else if (ending < 0.2) {
    const until = new Date(start + random() * span).toISOString().replace(/[-:]|\.\d+/g, '');
    parts.push(`UNTIL=${until}`);
  }
  return { freq, text: parts.join(';'), dtstart, start, end: start + span };
}
