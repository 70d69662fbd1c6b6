import { SIZES, type Size } from '@tasks/core';
import { Activity } from '../activity.js';
import { integerOption, listOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatDuration } from '../format.js';
import { REDIS_CHECKS_OPTION, redisChecksOf } from './doctor.js';
import { nextStopSignal, noMoreArgs } from './shared.js';

/** `tasks worker`: runs a worker until SIGINT/SIGTERM, then shuts it down gracefully. */
export const workerCommand: CommandSpec = {
  name: 'worker',
  summary: 'run a worker until Ctrl-C / SIGTERM',
  usage: ['worker [--size small|medium|large ...] [--concurrency N] [--shutdown-timeout-ms N]'],
  description:
    'Runs the tasks of the config on this machine: strict priority per size, locks taken all or ' +
    'nothing, retries, the DLQ. One line per finished task (NDJSON events with --json); on a ' +
    'terminal a live progress line instead of one line per success. On SIGINT or SIGTERM it stops ' +
    'fetching, lets running tasks finish within --shutdown-timeout-ms, aborts the rest (they are ' +
    'redelivered), and exits 0. A second signal exits at once.',
  options: {
    'redis-checks': REDIS_CHECKS_OPTION,
    size: {
      type: 'string',
      multiple: true,
      value: 'SIZE',
      help: 'sizes to serve: small, medium, large (repeatable or comma-separated; default all)',
    },
    concurrency: {
      type: 'string',
      value: 'N',
      help: 'tasks run at once, in total across the sizes (default 10)',
    },
    'shutdown-timeout-ms': {
      type: 'string',
      value: 'N',
      help: 'how long running tasks may take to finish on shutdown (default 10000)',
    },
  },
  examples: [
    ['tasks worker', 'serve every size, 10 tasks at a time'],
    ['tasks worker --size large --concurrency 2', 'a worker for the large tasks only'],
  ],
  config: 'required',
  async run(session, { args, values }) {
    noMoreArgs(args, 0, 'worker');
    const sizes = sizesOf(listOption(values, 'size'));
    const concurrency = integerOption(values, 'concurrency', 10, 1);
    const timeoutMs = integerOption(values, 'shutdown-timeout-ms', 10_000);
    const redisChecks = redisChecksOf(values);
    await session.redis();
    const worker = session.app.createWorker({
      ...(sizes ? { sizes } : {}),
      concurrency,
      ...(redisChecks ? { redisChecks } : {}),
    });
    const activity = new Activity(session.out, session.app, (a) => {
      const c = a.counts;
      return `${worker.running.length} running · ${c.succeeded} succeeded · ${c.failed} failed · ${c.retried} retried · ${c.deadLettered} dead-lettered · up ${formatDuration(Date.now() - a.startedAt)}`;
    });
    const stop = nextStopSignal();
    const running = worker.run();
    session.out.note(
      `Worker ${worker.id} started: sizes ${worker.sizes.join(',')}, concurrency ${concurrency}, ` +
        `prefix ${session.prefix}, ${session.shownUrl}. Stop with Ctrl-C.`,
    );
    try {
      const signal = await Promise.race([stop.signal, running.then(() => null)]);
      if (signal !== null) {
        const busy = worker.running.length;
        if (busy > 0)
          session.out.note(
            `${signal}: waiting up to ${formatDuration(timeoutMs)} for ${busy} running task(s)`,
          );
        await worker.close({ timeoutMs });
        await running;
      }
    } finally {
      activity.stop();
      stop.dispose();
    }
    const c = activity.counts;
    session.out.note(
      `Worker ${worker.id} stopped after ${formatDuration(Date.now() - activity.startedAt)}: ` +
        `${c.succeeded} succeeded, ${c.failed} failed, ${c.retried} retried, ${c.deadLettered} dead-lettered.`,
    );
    return ExitCode.OK;
  },
};

function sizesOf(list: string[] | undefined): Size[] | undefined {
  if (!list) return undefined;
  for (const size of list)
    if (!(SIZES as readonly string[]).includes(size))
      throw new UsageError(`--size must be one of ${SIZES.join(', ')}, got '${size}'`);
  return [...new Set(list)] as Size[];
}
