import type { CancelResult, TaskInspection } from '@tasks/core';
import { isTasksError } from '@tasks/redis';
import { flag, integerOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatDuration } from '../format.js';
import type { Session } from '../session.js';
import { noMoreArgs } from './shared.js';
import { unknownTask } from './show.js';

/** What `tasks cancel` did, as `--json` prints it. */
interface CancelReport {
  readonly id: string;
  readonly task: string | null;
  /** `app.cancel`'s outcome: `cancelled`, `cancelling` (a running task was signalled) or `finished`. */
  readonly outcome: CancelResult['outcome'];
  /** Where the task was just before: `queued`, `delayed`, `running`, or its final status. */
  readonly was: string | null;
  /** `finished`: how it had ended. */
  readonly status?: string;
  /** With `--wait`, how a signalled task ended (`cancelled`, or whatever it reached first); `null`: still running. */
  readonly final?: string | null;
}

/** `tasks cancel <id>`: removes a queued or delayed task, or signals a running one. */
export const cancelCommand: CommandSpec = {
  name: 'cancel',
  summary: 'cancel a task by id: removed from its queue, or its run aborted',
  usage: ['cancel <id> [--wait [--timeout-ms N]]'],
  description:
    'Cancels a task under --prefix and says what happened. A queued or delayed task is removed ' +
    'at once (atomically: it never starts) and ends as cancelled. A running task has its ' +
    'ctx.signal aborted with TaskCancelledError; it ends as cancelled once its worker sees it ' +
    '(with --wait, the command waits up to --timeout-ms, default 30000, and prints how it ended). ' +
    'A task that already finished is left as it is. Safe to repeat: cancelling a cancelled task ' +
    'does nothing. Exit code 0 in all these cases; 1 for an id no task has; 6 when --wait ' +
    'timed out. Works without a config file.',
  options: {
    wait: { type: 'boolean', help: 'a running task: wait until it has stopped, and print how it ended' },
    'timeout-ms': { type: 'string', value: 'N', help: 'with --wait: how long to wait (default 30000)' },
  },
  examples: [
    ['tasks cancel 6f1c2a4e-…', 'remove it from its queue, or stop its run'],
    ['tasks cancel 6f1c2a4e-… --wait --json', 'and wait until a running one has stopped'],
  ],
  config: 'optional',
  async run(session, { args, values }) {
    const id = args[0];
    if (id === undefined)
      throw new UsageError('Missing the task id: tasks cancel <id> (tasks list --state queued lists them)');
    noMoreArgs(args, 1, 'cancel');
    const wait = flag(values, 'wait');
    const timeoutMs = integerOption(values, 'timeout-ms', 30_000, 1);
    await session.redis();
    const before = await session.app.inspect(id);
    const result = await cancel(session, id);
    let report = reportOf(id, before, result);
    if (wait && result.outcome === 'cancelling')
      report = { ...report, final: await ending(session, id, timeoutMs) };
    if (session.out.json) session.out.data(report);
    else session.out.print(sentence(report, before));
    if (report.final === null)
      throw new CliError(
        'RESULT_TIMEOUT',
        ExitCode.TIMEOUT,
        `${id} was still running after ${timeoutMs} ms (--timeout-ms): its code may not watch ctx.signal`,
      );
    return ExitCode.OK;
  },
};

async function cancel(session: Session, id: string): Promise<CancelResult> {
  try {
    return await session.app.cancel(id);
  } catch (error) {
    if (isTasksError(error) && error.code === 'UNKNOWN_TASK_ID') throw unknownTask(session, id);
    throw error;
  }
}

/** How a signalled task ended: its final status (`cancelled` when it obeyed its signal); `null` on timeout. */
async function ending(session: Session, id: string, timeoutMs: number): Promise<string | null> {
  session.out.note(`Waiting up to ${formatDuration(timeoutMs)} for ${id} to stop`);
  try {
    await session.app.handle(id).result({ timeoutMs });
    return 'succeeded';
  } catch (error) {
    if (isTasksError(error) && error.code === 'TASK_FAILED')
      return (error as unknown as { status: string }).status;
    if (isTasksError(error) && error.code === 'RESULT_TIMEOUT') return null;
    throw error;
  }
}

function reportOf(id: string, before: TaskInspection | null, result: CancelResult): CancelReport {
  const task = before === null ? null : 'name' in before ? before.name : before.record.name;
  return {
    id,
    task,
    outcome: result.outcome,
    was: before?.state ?? null,
    ...(result.outcome === 'finished' ? { status: result.status } : {}),
  };
}

/** What happened, in one sentence. */
function sentence(report: CancelReport, before: TaskInspection | null): string {
  const what = report.task ? `${report.task} ${report.id}` : report.id;
  switch (report.outcome) {
    case 'finished':
      return `${what} had already finished (${report.status ?? 'unknown'}): nothing to cancel.`;
    case 'cancelling': {
      const worker = before?.state === 'running' ? ` on worker ${before.worker}` : '';
      const head = `Signalled ${what}, running${worker}: its ctx.signal aborts with TaskCancelledError`;
      if (report.final === undefined) return `${head}; it ends as cancelled once it stops.`;
      if (report.final === null) return `${head}; it had not stopped within --timeout-ms.`;
      return report.final === 'cancelled'
        ? `${head}. It stopped: cancelled.`
        : `${head}, but it ended ${report.final} first.`;
    }
    case 'cancelled':
      if (before?.state === 'cancelled') return `${what} was already cancelled: nothing to do.`;
      if (before?.state === 'queued')
        return `Cancelled ${what}: removed from the queue (${before.priority}/${before.size}) before it ran.`;
      if (before?.state === 'delayed')
        return `Cancelled ${what}: removed from the delayed tasks before it ran.`;
      return `Cancelled ${what}.`;
  }
}
