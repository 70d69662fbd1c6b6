import type { AppStatus } from '@tasks/core';
import type { CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatDuration } from '../format.js';
import type { Session } from '../session.js';
import { renderPairs, renderTable } from '../table.js';
import { redisProblems } from './doctor.js';
import { noMoreArgs } from './shared.js';

/** The scheduler leader, as `status` reports it. */
interface LeaderInfo {
  readonly instanceId: string;
  readonly fencingToken: number | null;
  readonly leaseMsLeft: number;
}

/** `tasks status`: queue depths, delayed, running, DLQ size, workers and the scheduler leader. */
export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'queue depth per stream, paused streams, delayed, running, DLQ size, workers, scheduler leader',
  usage: ['status [--json]'],
  description:
    'Shows, for the app under --prefix: waiting and running entries of each of the nine streams ' +
    '(priority × size) and which are paused (tasks pause), the delayed tasks, the dead-letter queue size, the live workers, the ' +
    'scheduler leader, and the warnings of the Redis checks (see `tasks doctor`). Works without a ' +
    'config file (it only needs the prefix).',
  options: {},
  examples: [
    ['tasks status', 'tables for people'],
    ['tasks status --json | jq .deadLettered', 'one JSON document for scripts'],
  ],
  config: 'optional',
  async run(session, { args }) {
    noMoreArgs(args, 0, 'status');
    await session.redis(); // connects (bounded) before reading anything
    const status = await session.app.status();
    const leader: LeaderInfo | null = status.scheduler
      ? {
          instanceId: status.scheduler.leader,
          fencingToken: status.scheduler.fencingToken,
          leaseMsLeft: status.scheduler.leaseMs,
        }
      : null;
    const streams = status.streams.map((s) => ({ ...s, waiting: Math.max(0, s.length - s.pending) }));
    await noteEmptyPrefix(session);
    const redisChecks = await redisProblems(session);
    if (session.out.json) {
      session.out.data({ prefix: session.prefix, ...status, streams, scheduler: { leader }, redisChecks });
      return ExitCode.OK;
    }
    session.out.print(render(session.prefix, status, streams, leader));
    for (const f of redisChecks)
      session.out.note(`Redis ${f.level} (${f.check}): ${f.message} (run 'tasks doctor' for every check)`);
    return ExitCode.OK;
  },
};

/**
 * A mistyped `--prefix` shows an all-zero status that looks like an idle system: say so when
 * not a single key exists under the prefix.
 */
export async function noteEmptyPrefix(session: Session): Promise<void> {
  const redis = await session.redis();
  const keys = redis.scan(`${session.app.keys.root}*`, 1000)[Symbol.asyncIterator]();
  const first = await keys.next();
  await keys.return?.();
  if (!first.done) return;
  session.out.note(
    `Nothing in Redis at ${session.shownUrl} under prefix '${session.prefix}' (no key matches ${session.app.keys.root}*). ` +
      "Is the prefix right? Set it with --prefix or the config's prefix (default 'tasks').",
  );
}

function render(
  prefix: string,
  status: AppStatus,
  streams: ReadonlyArray<{
    priority: string;
    size: string;
    waiting: number;
    pending: number;
    paused: boolean;
  }>,
  leader: LeaderInfo | null,
): string {
  const paused = streams.filter((s) => s.paused);
  // The PAUSED column only when something is paused: the usual table stays as narrow as it was.
  const queues = renderTable(
    [
      { header: 'SIZE' },
      { header: 'PRIORITY' },
      { header: 'WAITING', align: 'right' },
      { header: 'RUNNING', align: 'right' },
      ...(paused.length > 0 ? [{ header: 'PAUSED' }] : []),
    ],
    streams.map((s) => [s.size, s.priority, String(s.waiting), String(s.pending), s.paused ? 'paused' : '']),
  );
  const summary = renderPairs([
    ['Prefix', prefix],
    ['Waiting', String(streams.reduce((sum, s) => sum + s.waiting, 0))],
    ['Running', String(status.running)],
    ['Delayed', String(status.delayed)],
    ['Dead-lettered', String(status.deadLettered)],
    ['Paused', paused.length === 0 ? 'none' : paused.map((s) => `${s.priority}/${s.size}`).join(', ')],
    ['Workers', String(status.workers.length)],
    [
      'Scheduler',
      leader
        ? `${leader.instanceId} leads (fencing token ${leader.fencingToken ?? '?'}, lease ${formatDuration(leader.leaseMsLeft)} left)`
        : 'no leader',
    ],
  ]);
  const parts = [summary, '', queues];
  if (status.workers.length > 0) {
    const now = Date.now();
    parts.push(
      '',
      renderTable(
        [
          { header: 'WORKER' },
          { header: 'HOST' },
          { header: 'PID', align: 'right' },
          { header: 'RUNNING', align: 'right' },
          { header: 'LAST SEEN', align: 'right' },
        ],
        status.workers.map((w) => [
          w.id,
          w.host,
          String(w.pid),
          String(w.running),
          `${formatDuration(now - w.lastSeen)} ago`,
        ]),
      ),
    );
  }
  return parts.join('\n');
}
