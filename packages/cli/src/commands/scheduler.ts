import { Activity } from '../activity.js';
import { listOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatDuration } from '../format.js';
import { REDIS_CHECKS_OPTION, redisChecksOf } from './doctor.js';
import { nextStopSignal, noMoreArgs } from './shared.js';

/** `tasks scheduler`: runs the (singleton) scheduler until SIGINT/SIGTERM. */
export const schedulerCommand: CommandSpec = {
  name: 'scheduler',
  summary: 'run the scheduler of the periodic tasks until Ctrl-C / SIGTERM',
  usage: ['scheduler [--vos a,b,c]'],
  description:
    'Submits the periodic tasks of the config on their schedules. Run as many as you like: one ' +
    'leads (a lease in Redis), the others stand by and take over within one lease. Prints a line ' +
    'when it becomes the leader and for each occurrence it submits or skips (NDJSON with --json). ' +
    'On SIGINT or SIGTERM it hands the lease over at once and exits 0.',
  options: {
    'redis-checks': REDIS_CHECKS_OPTION,
    vos: {
      type: 'string',
      value: 'LIST',
      help: "VOs of the VO-aware periodic tasks (default: the config's vos)",
    },
  },
  examples: [
    ['tasks scheduler', 'lead (or stand by) and submit periodic tasks'],
    ['tasks scheduler --vos lhcb,atlas', 'one schedule entry per VO for the VO-aware tasks'],
  ],
  config: 'required',
  async run(session, { args, values }) {
    noMoreArgs(args, 0, 'scheduler');
    const vos = listOption(values, 'vos') ?? session.config?.vos;
    const redisChecks = redisChecksOf(values);
    await session.redis();
    const scheduler = session.app.createScheduler({
      ...(vos ? { vos } : {}),
      ...(redisChecks ? { redisChecks } : {}),
    });
    const activity = new Activity(session.out, session.app, (a) => {
      const role = scheduler.isLeader ? 'leader' : 'standby';
      return `scheduler · ${role} · submitted ${a.counts.submitted} · skipped ${a.counts.skipped} · up ${formatDuration(Date.now() - a.startedAt)}`;
    });
    const stop = nextStopSignal();
    const running = scheduler.run();
    session.out.note(
      `Scheduler ${scheduler.instanceId} started: prefix ${session.prefix}, ${session.shownUrl}. Stop with Ctrl-C.`,
    );
    try {
      await Promise.race([stop.signal, running]);
      await scheduler.close();
    } finally {
      activity.stop();
      stop.dispose();
    }
    session.out.note(
      `Scheduler ${scheduler.instanceId} stopped: ${activity.counts.submitted} occurrence(s) submitted, ${activity.counts.skipped} skipped.`,
    );
    return ExitCode.OK;
  },
};
