// Turns occurrences computed in floating wall time into real instants, with an explicit
// daylight-saving policy:
//   - a wall time skipped by a spring-forward transition fires once, at the first instant
//     after the gap (the transition itself) — for 'first' schedules; 'each' schedules simply
//     have no occurrence there (every real hour still gets its own);
//   - a wall time lived twice because of a fall-back transition fires at its first instant
//     only ('first'), or at both instants ('each': schedules that fire in every hour of the
//     day, so that they keep firing once per real hour through the repeated hour).
import type { ZoneClock } from './time-zone.js';

/** The first floating wall time strictly after `afterWall`, or null when there is none. */
export type WallSearch = (afterWall: number) => number | null;

/** How a schedule treats wall times that a fall-back transition repeats (see module comment). */
export type RepeatedWallTimes = 'first' | 'each';

// How far back a fall-back transition can still make `after` lie in a repeated stretch.
const LOOKBACK_MS = 2 * 86_400_000;

/**
 * The first instant strictly after `after` at which a schedule whose wall-time occurrences are
 * given by `nextWall` fires in `zone`, or null when it never fires again.
 */
export function nextInstant(
  zone: ZoneClock,
  after: number,
  nextWall: WallSearch,
  repeated: RepeatedWallTimes,
): number | null {
  let offset = zone.offsetAt(after);
  if (zone.fixed) {
    const wall = nextWall(after + offset);
    return wall === null ? null : wall - offset;
  }
  let segmentStart = after;
  let fromWall = after + offset;
  let replayedBelow = replayedWallLimit(zone, after);
  for (;;) {
    const wall = nextWall(fromWall);
    if (wall === null) return null;
    const candidate = wall - offset;
    const transition = zone.firstTransition(segmentStart, candidate);
    if (transition === null) {
      if (repeated === 'first' && wall < replayedBelow) {
        fromWall = replayedBelow - 1;
        continue;
      }
      return candidate;
    }
    if (transition.offsetAfter > transition.offsetBefore) {
      // Spring forward: walls in [at + offsetBefore, at + offsetAfter) never happen.
      if (repeated === 'first' && wall < transition.at + transition.offsetAfter) return transition.at;
      replayedBelow = -Infinity;
    } else {
      // Fall back: walls in [at + offsetAfter, at + offsetBefore) are lived a second time.
      replayedBelow = transition.at + transition.offsetBefore;
    }
    segmentStart = transition.at;
    offset = transition.offsetAfter;
    fromWall = transition.at + offset - 1;
  }
}

// When `after` lies shortly after a fall-back transition, the walls below the returned limit
// were already lived before the transition; otherwise -Infinity.
function replayedWallLimit(zone: ZoneClock, after: number): number {
  const transition = zone.lastTransition(after - LOOKBACK_MS, after);
  if (transition === null || transition.offsetAfter > transition.offsetBefore) return -Infinity;
  return transition.at + transition.offsetBefore;
}
