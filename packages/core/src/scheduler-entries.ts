// What the timetable should hold now: one entry per periodic task (per VO for VO-aware ones),
// with its schedule and configuration, and the fingerprint that tells a changed schedule.
import { createHash } from 'node:crypto';
import { describeSchedule, type Schedule, type ScheduleData } from '@tasks/schedules';
import type { TaskRegistry } from './registry.js';
import { entryField } from './timetable.js';
import { taskNameOf, type TaskClass } from './task.js';

/** @internal A periodic entry as configuration and code say it should be. */
export interface DesiredEntry {
  readonly field: string;
  readonly cls: TaskClass;
  readonly task: string;
  readonly vo: string | null;
  readonly enabled: boolean;
  readonly schedule: Schedule;
  readonly data: ScheduleData | null;
  readonly description: string;
  readonly fingerprint: string;
}

/** @internal The entries of every periodic task of the registry, for the given VOs. */
export function desiredEntries(registry: TaskRegistry, vos: readonly string[]): DesiredEntry[] {
  const out: DesiredEntry[] = [];
  for (const cls of registry.classes) {
    if (!registry.isPeriodic(cls)) continue;
    for (const vo of registry.isVoAware(cls) ? vos : [null]) {
      const schedule = registry.scheduleOf(cls, vo);
      if (!schedule) continue;
      const task = taskNameOf(cls);
      const { data, description, fingerprint } = identify(schedule);
      const enabled = registry.isEnabled(task, vo);
      out.push({
        field: entryField(task, vo),
        cls,
        task,
        vo,
        enabled,
        schedule,
        data,
        description,
        fingerprint,
      });
    }
  }
  return out;
}

/**
 * A schedule's data form and fingerprint: a hash of its data (`describeSchedule`), so the
 * same schedule written in code or in configuration has the same fingerprint in every process.
 * A schedule without `toJSON()` is fingerprinted by its class name and `toString()`.
 */
export function identify(schedule: Schedule): {
  data: ScheduleData | null;
  description: string;
  fingerprint: string;
} {
  let data: ScheduleData | null = null;
  try {
    data = describeSchedule(schedule);
  } catch {
    // a custom schedule that cannot be described as data
  }
  const description = scheduleText(schedule);
  const identity = data === null ? `custom:${schedule.constructor.name}:${description}` : canonical(data);
  return { data, description, fingerprint: createHash('sha256').update(identity).digest('hex').slice(0, 16) };
}

/**
 * `every 30 s`, `cron '0 6 * * *' (UTC)`, `rrule '…' (UTC)`: the schedule's own `toString()`,
 * else its class name.
 */
export function scheduleText(schedule: Schedule): string {
  const own = schedule as { toString(): string };
  return own.toString === Object.prototype.toString
    ? `${schedule.constructor.name} (custom)`
    : own.toString();
}

/** JSON with sorted keys: the same data always gives the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}
