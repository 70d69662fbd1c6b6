import { integerOption, listOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatDuration } from '../format.js';
import { renderTable } from '../table.js';
import { rowCells, scheduleRows } from './schedules-rows.js';
import { noMoreArgs } from './shared.js';

/** Most occurrences `--count` may ask for per entry: a preview, not a batch computation. */
export const MAX_SCHEDULE_COUNT = 1000;

/** `tasks schedules`: the timetable the scheduler stored in Redis. */
export const schedulesCommand: CommandSpec = {
  name: 'schedules',
  summary: 'the stored timetable: next and last run of each periodic task, skips, ended/disabled',
  usage: ['schedules [--count N] [--vos a,b,c]'],
  description:
    'Reads the timetable the scheduler keeps in Redis under --prefix — what it will really do, ' +
    'after skips, misfires and configuration changes: for each periodic entry (one per VO for ' +
    'VO-aware tasks) its status (active, ended, disabled, failing), its stored next run and, with ' +
    `--count N (1 to ${MAX_SCHEDULE_COUNT}, default 1), the occurrences that follow it; its last run ` +
    "and that task's outcome, the occurrences skipped because the previous run still held its " +
    'mutex, and the schedule. Entries of the config that no scheduler has stored yet are shown ' +
    'as "not scheduled". Also shows the leader and its lease. Times are UTC.',
  options: {
    count: {
      type: 'string',
      value: 'N',
      help: `runs to show per entry, 1 to ${MAX_SCHEDULE_COUNT} (default 1)`,
    },
    vos: {
      type: 'string',
      value: 'LIST',
      help: "VOs expected for VO-aware tasks (default: the config's vos)",
    },
  },
  examples: [
    ['tasks schedules', 'the timetable, one line per entry'],
    ['tasks schedules --count 3 --json', 'with the next 3 runs of each, as JSON'],
  ],
  config: 'required',
  async run(session, { args, values }) {
    noMoreArgs(args, 0, 'schedules');
    const count = integerOption(values, 'count', 1, 1, MAX_SCHEDULE_COUNT);
    const configured = session.config?.vos;
    const vos =
      listOption(values, 'vos') ?? (typeof configured === 'function' ? await configured() : configured) ?? [];
    await session.redis(); // connects (bounded) before reading anything
    const timetable = await session.app.timetable();
    const rows = await scheduleRows(session.app, timetable.entries, vos, count);
    const leader = timetable.leader
      ? {
          instanceId: timetable.leader.instanceId,
          fencingToken: timetable.leader.fencingToken,
          leaseMsLeft: timetable.leader.leaseMs,
        }
      : null;
    if (session.out.json) {
      session.out.data({ prefix: session.prefix, leader, entries: rows });
      return ExitCode.OK;
    }
    const lead = leader
      ? `Scheduler: ${leader.instanceId} leads (fencing token ${leader.fencingToken}, lease ${formatDuration(leader.leaseMsLeft)} left)`
      : 'Scheduler: no leader';
    if (rows.length === 0) {
      session.out.print(`${lead}\nNo periodic tasks in the config or the timetable.`);
      return ExitCode.OK;
    }
    const table = renderTable(
      [
        { header: 'TASK' },
        { header: 'VO' },
        { header: 'STATUS' },
        { header: 'NEXT (UTC)' },
        { header: 'LAST RUN' },
        { header: 'OUTCOME' },
        { header: 'SKIPPED', align: 'right' },
        { header: 'SCHEDULE' },
      ],
      rows.flatMap(rowCells),
    );
    session.out.print(`${lead}\n\n${table}`);
    return ExitCode.OK;
  },
};
