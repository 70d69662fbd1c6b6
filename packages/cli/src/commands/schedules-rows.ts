// The rows of `tasks schedules`: the timetable the scheduler stored in Redis, joined with the
// periodic tasks of the config (an entry no scheduler has stored yet is shown as such).
import {
  PeriodicBaseTask,
  PeriodicVoAwareBaseTask,
  type TaskApp,
  type TimetableEntry,
  type TimetableStatus,
} from '@tasks/core';
import { describeSchedule, scheduleFromData, type Schedule } from '@tasks/schedules';
import { formatInstant } from '../format.js';

/** One timetable entry, as `tasks schedules --json` reports it (times in ISO 8601, UTC). */
export interface ScheduleRow {
  readonly task: string;
  readonly vo: string | null;
  /** The stored status, or `not scheduled` when no scheduler has stored the entry yet. */
  readonly status: TimetableStatus | 'not scheduled';
  /** The stored next run, then the occurrences that follow it (up to `--count` in all). */
  readonly next: string[];
  readonly schedule: unknown;
  readonly description: string;
  /** When the current schedule (or enabled state) took effect. */
  readonly since: string | null;
  readonly lastRun: {
    readonly occurrence: string;
    readonly taskId: string;
    readonly submittedAt: string;
  } | null;
  /** The stored outcome of the last run's task (`null`: no result yet, or it expired). */
  readonly lastOutcome: string | null;
  readonly skipped: number;
  readonly lastSkip: { readonly occurrence: string; readonly reason: string } | null;
  readonly error: string | null;
  /** False for an entry of a task the config does not have (or no longer has) as periodic. */
  readonly inConfig: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The rows: stored entries first (soonest first), then the config's entries not stored yet. */
export async function scheduleRows(
  app: TaskApp,
  entries: readonly TimetableEntry[],
  vos: readonly string[],
  count: number,
): Promise<ScheduleRow[]> {
  const expected = expectedEntries(app, vos);
  const rows: ScheduleRow[] = [];
  for (const entry of entries) {
    const key = `${entry.task}|${entry.vo ?? ''}`;
    rows.push(await storedRow(app, entry, expected.has(key), count));
    expected.delete(key);
  }
  for (const { task, vo } of expected.values()) rows.push(unscheduledRow(app, task, vo));
  return rows;
}

/** Periodic entries the config describes: one per periodic task, one per VO for VO-aware ones. */
function expectedEntries(
  app: TaskApp,
  vos: readonly string[],
): Map<string, { task: string; vo: string | null }> {
  const out = new Map<string, { task: string; vo: string | null }>();
  for (const task of app.taskNames) {
    const cls = app.taskClass(task);
    if (!(cls.prototype instanceof PeriodicBaseTask)) continue;
    for (const vo of cls.prototype instanceof PeriodicVoAwareBaseTask ? vos : [null])
      out.set(`${task}|${vo ?? ''}`, { task, vo });
  }
  return out;
}

async function storedRow(
  app: TaskApp,
  e: TimetableEntry,
  inConfig: boolean,
  count: number,
): Promise<ScheduleRow> {
  const result = e.lastRun ? await app.getResult(e.lastRun.taskId) : null;
  return {
    task: e.task,
    vo: e.vo,
    status: e.status,
    next: e.next === null ? [] : upcoming(app, e, e.next, count).map(iso),
    schedule: e.schedule,
    description: e.description,
    since: iso(e.since),
    lastRun: e.lastRun
      ? {
          occurrence: iso(e.lastRun.occurrence),
          taskId: e.lastRun.taskId,
          submittedAt: iso(e.lastRun.submittedAt),
        }
      : null,
    lastOutcome: result?.status ?? null,
    skipped: e.skipped,
    lastSkip: e.lastSkip ? { occurrence: iso(e.lastSkip.occurrence), reason: e.lastSkip.reason } : null,
    error: e.error,
    inConfig,
  };
}

/** The stored next run, then what follows it on the stored schedule (the one the scheduler uses). */
function upcoming(app: TaskApp, e: TimetableEntry, next: number, count: number): number[] {
  let schedule: Schedule | null = null;
  try {
    schedule = e.schedule ? scheduleFromData(e.schedule) : null;
  } catch {
    // not data this version can read: only the stored next run is shown
  }
  if (!schedule && app.taskNames.includes(e.task)) schedule = app.scheduleOf(app.taskClass(e.task), e.vo);
  if (!schedule || count <= 1) return [next];
  try {
    return [next, ...schedule.preview(count - 1, new Date(next)).map((d) => d.getTime())];
  } catch {
    return [next];
  }
}

function unscheduledRow(app: TaskApp, task: string, vo: string | null): ScheduleRow {
  const schedule = app.scheduleOf(app.taskClass(task), vo);
  let data: unknown = null;
  try {
    data = schedule ? describeSchedule(schedule) : null;
  } catch {
    // a custom schedule without toJSON(): described by its text only
  }
  return {
    task,
    vo,
    status: 'not scheduled',
    next: [],
    schedule: data,
    description: schedule ? (schedule as { toString(): string }).toString() : '(none)',
    since: null,
    lastRun: null,
    lastOutcome: null,
    skipped: 0,
    lastSkip: null,
    error: null,
    inConfig: true,
  };
}

/** A row's table cells: task, VO, status, next, last run, outcome, skipped, schedule. */
export function rowCells(row: ScheduleRow): string[][] {
  const status = row.status === 'failing' && row.error ? `failing: ${row.error}` : row.status;
  const last = row.lastRun ? formatInstant(Date.parse(row.lastRun.occurrence)) : '-';
  const first = [
    row.inConfig ? row.task : `${row.task} (not in config)`,
    row.vo ?? '-',
    status,
    row.next[0] ? formatInstant(Date.parse(row.next[0])) : '-',
    last,
    row.lastOutcome ?? (row.lastRun ? 'no result yet' : '-'),
    String(row.skipped),
    row.description,
  ];
  return [
    first,
    ...row.next.slice(1).map((next) => ['', '', '', formatInstant(Date.parse(next)), '', '', '', '']),
  ];
}
