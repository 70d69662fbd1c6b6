// The configuration checks a worker or scheduler runs on its Redis before it starts.
import {
  blockingFindings,
  checkRedis,
  RedisCheckError,
  type RedisAdapter,
  type RedisCheckReport,
  type RedisChecksMode,
} from '@tasks/redis';
import type { TaskEventEmitter } from './events.js';
import type { TaskLogger } from './task.js';

/** What {@link checkRedisAtStart} needs of the app. */
export interface RedisCheckServices {
  readonly redis: RedisAdapter;
  readonly events: TaskEventEmitter;
  readonly logger: TaskLogger;
}

/**
 * Checks the Redis a worker or scheduler is about to use (see `checkRedis` of `@tasks/redis`):
 * every `warning` and `error` is logged loudly (`logger.warn`), all findings are emitted as the
 * `redisChecked` event, and a finding that blocks the start under `mode` rejects. A Redis that
 * cannot be checked (unreachable) is logged and the start goes on: the loops ride outages out.
 * @throws RedisCheckError when a finding blocks the start (`'warn'`: an error; `'strict'`: a
 *   warning too).
 */
export async function checkRedisAtStart(
  app: RedisCheckServices,
  component: 'worker' | 'scheduler',
  mode: RedisChecksMode = 'warn',
): Promise<RedisCheckReport | null> {
  if (mode === 'off') return null;
  let report: RedisCheckReport;
  try {
    report = await checkRedis(app.redis);
  } catch (error) {
    app.logger.warn(`[tasks] ${component}: could not check the Redis configuration`, { error });
    return null;
  }
  for (const finding of report.findings) {
    if (finding.level === 'info') continue;
    app.logger.warn(`[tasks] ${component}: Redis ${finding.level} (${finding.check}): ${finding.message}`, {
      target: report.target,
      check: finding.check,
      value: finding.value,
    });
  }
  app.events.emit('redisChecked', { component, target: report.target, findings: report.findings });
  const blocking = blockingFindings(report, mode);
  if (blocking.length > 0) throw new RedisCheckError(report.target, mode, blocking);
  return report;
}
