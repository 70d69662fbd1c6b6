import { PeriodicBaseTask, PeriodicVoAwareBaseTask, taskNameOf, type TaskClass } from '@tasks/core';
import { describeSchedule, type Schedule } from '@tasks/schedules';
import { integerOption, listOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { describeThrown } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatInstant } from '../format.js';
import type { Session } from '../session.js';
import { renderTable } from '../table.js';
import { noMoreArgs } from './shared.js';

/** One periodic task (per VO), as `schedules` reports it. */
interface ScheduleRow {
  readonly task: string;
  readonly vo: string | null;
  readonly schedule: unknown;
  readonly description: string;
  readonly enabled: boolean;
  readonly next: string[];
}

/** `tasks schedules`: the next occurrences of each periodic task. */
export const schedulesCommand: CommandSpec = {
  name: 'schedules',
  summary: 'next occurrences of each periodic task',
  usage: ['schedules [--count N] [--vos a,b,c]'],
  description:
    'Lists every periodic task of the config (one row per VO for VO-aware ones) with its schedule ' +
    '(configuration overrides applied), whether it is enabled, and its next --count occurrences in ' +
    'UTC. Computed from the schedules alone: it does not need Redis.',
  options: {
    count: { type: 'string', value: 'N', help: 'occurrences per task (default 5)' },
    vos: { type: 'string', value: 'LIST', help: "VOs of the VO-aware tasks (default: the config's vos)" },
  },
  examples: [
    ['tasks schedules', 'the next 5 runs of each periodic task'],
    ['tasks schedules --count 1 --json', 'the next run of each, as JSON'],
  ],
  config: 'required',
  async run(session, { args, values }) {
    noMoreArgs(args, 0, 'schedules');
    const count = integerOption(values, 'count', 5, 1);
    const rows = await scheduleRows(session, count, listOption(values, 'vos'));
    if (session.out.json) {
      session.out.data(rows.map(({ description: _description, ...row }) => row));
      return ExitCode.OK;
    }
    if (rows.length === 0) {
      session.out.print('No periodic tasks in the config.');
      return ExitCode.OK;
    }
    session.out.print(
      renderTable(
        [
          { header: 'TASK' },
          { header: 'VO' },
          { header: 'SCHEDULE' },
          { header: 'ENABLED' },
          { header: 'NEXT (UTC)' },
        ],
        rows.flatMap((row) =>
          (row.next.length > 0 ? row.next : ['(no more occurrences)']).map((next, i) =>
            i === 0
              ? [row.task, row.vo ?? '-', row.description, row.enabled ? 'yes' : 'no', next]
              : ['', '', '', '', next],
          ),
        ),
      ),
    );
    return ExitCode.OK;
  },
};

async function scheduleRows(
  session: Session,
  count: number,
  vosOption: string[] | undefined,
): Promise<ScheduleRow[]> {
  const app = session.app;
  const configured = session.config?.vos;
  const vos = vosOption ?? (typeof configured === 'function' ? await configured() : (configured ?? []));
  const rows: ScheduleRow[] = [];
  for (const name of app.taskNames) {
    const cls = app.taskClass(name);
    if (!(cls.prototype instanceof PeriodicBaseTask)) continue;
    const voList = cls.prototype instanceof PeriodicVoAwareBaseTask ? vos : [null];
    for (const vo of voList) rows.push(rowOf(session, cls, vo, count));
  }
  return rows;
}

function rowOf(session: Session, cls: TaskClass, vo: string | null, count: number): ScheduleRow {
  const task = taskNameOf(cls);
  const schedule = session.app.scheduleOf(cls, vo);
  const enabled = session.app.config.override(task, vo).enabled;
  if (!schedule) return { task, vo, schedule: null, description: '(none)', enabled, next: [] };
  const data = dataOf(schedule);
  return { task, vo, schedule: data, description: describe(data), enabled, next: preview(schedule, count) };
}

function preview(schedule: Schedule, count: number): string[] {
  try {
    return schedule.preview(count).map((date) => formatInstant(date.getTime()));
  } catch (error) {
    return [`error: ${describeThrown(error)}`];
  }
}

function dataOf(schedule: Schedule): unknown {
  try {
    return describeSchedule(schedule);
  } catch {
    return null;
  }
}

function describe(data: unknown): string {
  const d = data as {
    kind?: string;
    seconds?: number;
    expression?: string;
    rule?: string;
    timezone?: string;
  } | null;
  if (!d?.kind) return '(custom)';
  const zone = d.timezone ? ` ${d.timezone}` : '';
  if (d.kind === 'interval') return `every ${d.seconds} s`;
  if (d.kind === 'cron') return `cron ${d.expression}${zone || ' UTC'}`;
  return `rrule ${d.rule}${zone}`;
}
