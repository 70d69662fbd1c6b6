// What one tick does to one timetable entry — a pure function of the stored record, the
// desired entry and the time, so every rule below is unit-tested without Redis.
import type { Schedule } from '@tasks/schedules';
import type { DesiredEntry } from './scheduler-entries.js';
import type { TimetableEntry } from './timetable.js';

/** What to do with occurrences missed while no scheduler ran. */
export type MisfirePolicy = 'coalesce' | 'all' | 'skip';

/** @internal Most occurrences one tick catches up for one entry (`misfire: 'all'`). */
export const MAX_CATCH_UP = 100;

/** @internal Why an entry's record changed, for events and logs. */
export type PlanChange =
  'new' | 'schedule changed' | 'enabled' | 'disabled' | 'recovered' | 'ended' | 'failing';

/** @internal The outcome of planning one entry. */
export interface Plan {
  /** The record to store (compare-and-set against the one read), or `null` when nothing changes. */
  readonly state: TimetableEntry | null;
  /** Occurrences due now, to submit with the write (unless the previous run still holds the mutex). */
  readonly run: readonly number[];
  readonly changes: readonly PlanChange[];
}

const NOTHING: Plan = { state: null, run: [], changes: [] };

/**
 * @internal Plans one entry at `now` (server ms):
 * - disabled by configuration → recorded `disabled`, nothing submitted;
 * - first seen, schedule changed (other fingerprint) or re-enabled → starts afresh: its next
 *   run is the schedule's first occurrence after `now`; a pending run of the old schedule is
 *   dropped and the new schedule's earlier occurrences are not caught up, whatever `misfire`;
 * - due → the occurrences from the stored next run up to `now` (at most {@link MAX_CATCH_UP})
 *   are run as `misfire` says, and the next run is the first occurrence after `now`, or the
 *   entry is `ended` when there is none (after its last occurrence is run);
 * - an error computing an occurrence (other than "no next occurrence") → `failing` with the
 *   message, the due run kept; retried each tick, and recorded again only if the message changes.
 */
export function planEntry(
  stored: TimetableEntry | null,
  desired: DesiredEntry,
  now: number,
  misfire: MisfirePolicy,
): Plan {
  const base = baseOf(stored, desired, now);
  if (!desired.enabled) {
    if (stored?.status === 'disabled' && stored.fingerprint === desired.fingerprint) return NOTHING;
    return {
      state: { ...base, status: 'disabled', next: null, since: now, error: null },
      run: [],
      changes: ['disabled'],
    };
  }
  const restart =
    stored === null ||
    stored.fingerprint !== desired.fingerprint ||
    stored.status === 'disabled' ||
    (stored.status === 'failing' && stored.next === null);
  if (restart) return planStart(stored, base, desired.schedule, now);
  if (stored.status === 'ended' || stored.next === null || stored.next > now) return NOTHING;
  return planDue(stored, base, desired.schedule, now, misfire);
}

type Base = Omit<TimetableEntry, 'status' | 'next' | 'since' | 'error'>;

function baseOf(stored: TimetableEntry | null, d: DesiredEntry, now: number): Base {
  return {
    task: d.task,
    vo: d.vo,
    schedule: d.data,
    description: d.description,
    fingerprint: d.fingerprint,
    created: stored?.created ?? now,
    lastRun: stored?.lastRun ?? null,
    skipped: stored?.skipped ?? 0,
    lastSkip: stored?.lastSkip ?? null,
  };
}

function planStart(stored: TimetableEntry | null, base: Base, schedule: Schedule, now: number): Plan {
  let next: number | null;
  try {
    next = nextAfter(schedule, now);
  } catch (error) {
    return failing(stored, { ...base, next: null, since: now }, error);
  }
  const why: PlanChange =
    stored === null
      ? 'new'
      : stored.status === 'disabled'
        ? 'enabled'
        : stored.fingerprint !== base.fingerprint
          ? 'schedule changed'
          : 'recovered';
  const status = next === null ? 'ended' : 'active';
  const changes: PlanChange[] = next === null ? [why, 'ended'] : [why];
  return { state: { ...base, status, next, since: now, error: null }, run: [], changes };
}

function planDue(
  stored: TimetableEntry,
  base: Base,
  schedule: Schedule,
  now: number,
  misfire: MisfirePolicy,
): Plan {
  const due = stored.next as number;
  let missed: number[];
  let next: number | null;
  try {
    missed = occurrencesUpTo(schedule, due, now);
    next = nextAfter(schedule, Math.max(now, missed[missed.length - 1] as number));
  } catch (error) {
    return failing(stored, { ...base, next: due, since: stored.since }, error);
  }
  const last = missed[missed.length - 1] as number;
  const run =
    misfire === 'all' ? missed : misfire === 'coalesce' ? [last] : missed.length === 1 ? missed : [];
  const status = next === null ? 'ended' : 'active';
  const changes: PlanChange[] = [];
  if (stored.status === 'failing') changes.push('recovered');
  if (next === null) changes.push('ended');
  return { state: { ...base, status, next, since: stored.since, error: null }, run, changes };
}

/** @internal The entry, failing with `error` (no change recorded when it already failed so). */
export function failing(
  stored: TimetableEntry | null,
  entry: Omit<TimetableEntry, 'status' | 'error'>,
  error: unknown,
): Plan {
  const message = error instanceof Error ? error.message : String(error);
  if (stored?.status === 'failing' && stored.error === message && stored.fingerprint === entry.fingerprint)
    return NOTHING;
  return { state: { ...entry, status: 'failing', error: message }, run: [], changes: ['failing'] };
}

/** `due` and the schedule's occurrences after it up to `now`, at most MAX_CATCH_UP. */
function occurrencesUpTo(schedule: Schedule, due: number, now: number): number[] {
  const list = [due];
  let cursor = due;
  while (list.length < MAX_CATCH_UP) {
    const next = nextAfter(schedule, cursor);
    if (next === null || next > now) break;
    list.push(next);
    cursor = next;
  }
  return list;
}

/** The first occurrence strictly after `t`, or `null` when the schedule has ended. */
function nextAfter(schedule: Schedule, t: number): number | null {
  let next: number;
  try {
    next = schedule.nextOccurrence(new Date(t)).getTime();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'NO_NEXT_OCCURRENCE') return null;
    throw error;
  }
  if (!Number.isFinite(next) || next <= t)
    throw new Error(
      `nextOccurrence(${new Date(t).toISOString()}) returned ${String(next)}, not a later time`,
    );
  return next;
}
