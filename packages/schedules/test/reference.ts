// Independent brute-force references for the property tests. They walk real instants one step
// at a time (never floating wall time), so they share no logic with the segment walk in
// src/wall-clock.ts, and they read offsets straight from luxon.
import { IANAZone } from 'luxon';
import { expect } from 'vitest';

const MINUTE_MS = 60_000;

/** Deterministic PRNG (mulberry32) so every run checks the same instants. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A random integer in [min, max]. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * Every instant in [start, end) (stepping `stepMs`, on UTC multiples of it) at which a
 * schedule whose wall-time matches are `matchesWall` fires under the documented DST policy:
 * - at a real instant whose wall time matches — for 'first' only if no earlier instant had that
 *   same wall time (a fall-back repeat fires once);
 * - for 'first', also at a spring-forward transition instant when a skipped wall time matches.
 */
export function bruteForceInstants(
  zoneName: string,
  start: number,
  end: number,
  stepMs: number,
  matchesWall: (wall: number) => boolean,
  repeated: 'first' | 'each',
): number[] {
  const zone = IANAZone.create(zoneName);
  const offset = (t: number): number => Math.round(zone.offset(t) * MINUTE_MS);
  const out: number[] = [];
  for (let t = Math.ceil(start / stepMs) * stepMs; t < end; t += stepMs) {
    const off = offset(t);
    const wall = t + off;
    if (matchesWall(wall) && (repeated === 'each' || !livedBefore(t, wall, off, offset))) {
      out.push(t);
      continue;
    }
    const before = offset(t - 1);
    if (repeated === 'first' && before < off) {
      for (let w = t + before; w < t + off; w += stepMs) {
        if (matchesWall(w)) {
          out.push(t);
          break;
        }
      }
    }
  }
  return out;
}

// Did an earlier real instant show the same wall time (a fall-back repeat)?
function livedBefore(t: number, wall: number, off: number, offset: (t: number) => number): boolean {
  for (const earlier of [offset(t - 3 * 3_600_000), offset(t - 26 * 3_600_000)]) {
    if (earlier <= off) continue;
    const candidate = wall - earlier;
    if (candidate < t && offset(candidate) === earlier) return true;
  }
  return false;
}

/** The first element of the ascending `list` strictly greater than `t`, or undefined. */
export function firstAfter(list: readonly number[], t: number): number | undefined {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] ?? Infinity) <= t) lo = mid + 1;
    else hi = mid;
  }
  return list[lo];
}

/**
 * Random instants in [start, end) plus each reference instant and its ±1 ms neighbours — the
 * probes of a property test.
 */
export function probes(
  random: () => number,
  start: number,
  end: number,
  reference: readonly number[],
  n: number,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(start + Math.floor(random() * (end - start)));
  for (const r of reference.slice(0, 40)) out.push(r - 1, r, r + 1);
  return out.filter((t) => t >= start && t < end);
}

/**
 * Asserts that `next(t)` is the first reference instant after `t` for every probe whose
 * answer lies inside the reference window (so nothing lies strictly between t and next(t)).
 */
export function expectMatchesReference(
  label: string,
  next: (t: number) => number,
  reference: readonly number[],
  points: readonly number[],
): number {
  let checked = 0;
  for (const t of points) {
    const expected = firstAfter(reference, t);
    if (expected === undefined) continue;
    const actual = next(t);
    if (actual !== expected) {
      expect.fail(
        `${label}: after ${new Date(t).toISOString()} expected ${new Date(expected).toISOString()}, got ${new Date(actual).toISOString()}`,
      );
    }
    expect(actual).toBeGreaterThan(t);
    checked++;
  }
  return checked;
}
