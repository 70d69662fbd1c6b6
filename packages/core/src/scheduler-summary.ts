// The leader's summary log: how many entries in each state, and the next ones with their due times.
import { byNextRun, type TimetableEntry, type TimetableStatus } from './timetable.js';

/**
 * @internal `Scheduler <id> timetable: 12 entries (10 active, 1 disabled, 1 ended); next 10:`
 * followed by one line per entry (`  2026-11-28T06:00:00.000Z  Report [lhcb]  cron '0 6 * * *' (UTC)`);
 * the counts also as fields.
 */
export function summarize(
  entries: readonly TimetableEntry[],
  max: number,
  instanceId: string,
): { message: string; fields: Record<string, unknown> } {
  const counts: Partial<Record<TimetableStatus, number>> = {};
  for (const entry of entries) counts[entry.status] = (counts[entry.status] ?? 0) + 1;
  const byStatus = Object.entries(counts)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const upcoming = entries
    .filter((e) => e.next !== null)
    .sort(byNextRun)
    .slice(0, max);
  const lines = upcoming.map(
    (e) =>
      `  ${new Date(e.next as number).toISOString()}  ${e.task}${e.vo === null ? '' : ` [${e.vo}]`}  ${e.description}`,
  );
  const head =
    `Scheduler ${instanceId} timetable: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}` +
    `${byStatus === '' ? '' : ` (${byStatus})`}; next ${upcoming.length}${upcoming.length > 0 ? ':' : ''}`;
  return {
    message: [head, ...lines].join('\n'),
    fields: { entries: entries.length, ...counts },
  };
}
