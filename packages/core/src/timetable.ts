// The scheduler's timetable in Redis: one JSON record per periodic entry (task, and VO for
// VO-aware tasks) in the hash `{prefix}:scheduler:next`. The scheduler is its only writer;
// `tasks schedules` and `app.timetable()` read it.
import type { RedisAdapter } from '@tasks/redis';
import type { ScheduleData } from '@tasks/schedules';
import type { Keyspace } from './keys.js';

/**
 * Where an entry stands: `active` (its `next` run is due at that time), `ended` (its schedule
 * has no occurrence left; its last one was submitted), `disabled` (by configuration), or
 * `failing` (computing its next occurrence or building its task throws; retried every tick).
 */
export type TimetableStatus = 'active' | 'ended' | 'disabled' | 'failing';

/** One periodic entry as the scheduler stored it. Times are ms since the epoch (Redis clock). */
export interface TimetableEntry {
  readonly task: string;
  /** The VO of a VO-aware task's entry, else `null`. */
  readonly vo: string | null;
  readonly status: TimetableStatus;
  /** When it runs next; `null` when ended or disabled (or failing before it had one). */
  readonly next: number | null;
  /** Its schedule as data (`{ kind: 'cron', … }`), or `null` for a schedule without `toJSON()`. */
  readonly schedule: ScheduleData | null;
  /** Its schedule for people, e.g. `every 30 s`. */
  readonly description: string;
  /** Fingerprint of the schedule `next` was computed with; a different one means "changed". */
  readonly fingerprint: string;
  /** When this schedule (or the current enabled/disabled state) took effect. */
  readonly since: number;
  /** When the scheduler first saw the entry. */
  readonly created: number;
  /** The last occurrence submitted: its time, the task id and when it was submitted. */
  readonly lastRun: {
    readonly occurrence: number;
    readonly taskId: string;
    readonly submittedAt: number;
  } | null;
  /** Occurrences skipped because the previous run still held the task's mutex (total). */
  readonly skipped: number;
  /** The last skipped occurrence and why. */
  readonly lastSkip: { readonly occurrence: number; readonly reason: string; readonly at: number } | null;
  /** What fails, when `failing`. */
  readonly error: string | null;
}

/** The timetable and who keeps it, as `app.timetable()` reports it. */
export interface Timetable {
  /** Every stored entry, soonest `next` first (entries without one last). */
  readonly entries: readonly TimetableEntry[];
  /** The scheduler holding the leader lease, or `null`. */
  readonly leader: {
    readonly instanceId: string;
    readonly fencingToken: number;
    readonly leaseMs: number;
  } | null;
}

/** @internal The hash field of an entry. */
export function entryField(task: string, vo: string | null): string {
  return `${task}|${vo ?? ''}`;
}

/** @internal A stored record, or `null` when it is not one this version wrote (it is then replaced). */
export function decodeEntry(raw: string): TimetableEntry | null {
  try {
    const value = JSON.parse(raw) as Partial<TimetableEntry> | null;
    if (typeof value !== 'object' || value === null || typeof value.task !== 'string') return null;
    if (typeof value.fingerprint !== 'string' || typeof value.status !== 'string') return null;
    return value as TimetableEntry;
  } catch {
    return null;
  }
}

/** @internal Orders entries by next run (none last), then by task and VO. */
export function byNextRun(a: TimetableEntry, b: TimetableEntry): number {
  const an = a.next ?? Infinity;
  const bn = b.next ?? Infinity;
  if (an !== bn) return an < bn ? -1 : 1;
  return entryField(a.task, a.vo) < entryField(b.task, b.vo) ? -1 : 1;
}

/** @internal Every stored entry, as raw text and decoded, by field. */
export async function readStoredEntries(
  redis: RedisAdapter,
  keys: Keyspace,
): Promise<Map<string, { raw: string; entry: TimetableEntry | null }>> {
  const key = keys.schedulerNext;
  const flat = (await redis.command(['HGETALL', key], { key })) as unknown[];
  const out = new Map<string, { raw: string; entry: TimetableEntry | null }>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const raw = String(flat[i + 1]);
    out.set(String(flat[i]), { raw, entry: decodeEntry(raw) });
  }
  return out;
}

/** @internal Reads the timetable and the leader lease: two commands and a PTTL. */
export async function readTimetable(redis: RedisAdapter, keys: Keyspace): Promise<Timetable> {
  const leaderKey = keys.schedulerLeader;
  const [stored, leader, leaseMs] = await Promise.all([
    readStoredEntries(redis, keys),
    redis.command(['GET', leaderKey], { key: leaderKey }),
    redis.command(['PTTL', leaderKey], { key: leaderKey }),
  ]);
  const entries = [...stored.values()].flatMap(({ entry }) => (entry ? [entry] : [])).sort(byNextRun);
  const lease = typeof leader === 'string' ? /^(.*)\|(\d+)$/.exec(leader) : null;
  return {
    entries,
    leader: lease
      ? { instanceId: lease[1] ?? '', fencingToken: Number(lease[2]), leaseMs: Math.max(0, Number(leaseMs)) }
      : null,
  };
}
