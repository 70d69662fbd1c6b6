// The submitting side of the scenarios: a fault app on a connection, and a bounded submitter.
import { createTaskApp, Keyspace, type TaskApp } from '@tasks/core';
import type { RedisAdapter } from '@tasks/redis';
import { testPrefix } from '@tasks/testing';
import { quietLogger } from '../../src/connect.js';
import { effectKeys, FAULT_TASKS, RecordTask, type EffectKeys } from '../../src/tasks.js';
import { sleep } from './rng.js';

/** An app with the fault tasks under a fresh prefix (its own hash tag), unless one is given. */
export function faultApp(
  redis: RedisAdapter,
  label: string,
  extra: { maxPayloadBytes?: number; prefix?: string; shards?: number } = {},
): { app: TaskApp; effects: EffectKeys; prefix: string } {
  const { prefix = `{${testPrefix(`faults-${label}`)}}`, ...options } = extra;
  const effects = effectKeys(new Keyspace(prefix));
  const app = createTaskApp({
    redis,
    tasks: [...FAULT_TASKS],
    prefix,
    logger: quietLogger,
    dependencies: { effects },
    ...options,
  });
  return { app, effects, prefix };
}

/** An acknowledged submission: submit() resolved with this id at this time. */
export interface Ack {
  readonly id: string;
  readonly at: number;
}

/** What a submitter did. */
export interface SubmitLog {
  readonly acks: Ack[];
  /** submit() calls that rejected (their task may or may not be in Redis). */
  rejected: number;
  readonly errors: string[];
}

/**
 * Submits RecordTasks with `parallel` loops until `count` were acknowledged or `untilMs`
 * (epoch ms) passed, pacing each loop to `perLoopDelayMs` between submissions. A rejected
 * submit is counted, not retried (its outcome is unknown). Returns the log when all loops end.
 */
export async function submitRecords(
  app: TaskApp,
  options: {
    parallel: number;
    count: number;
    untilMs: number;
    taskMs: () => number;
    perLoopDelayMs?: number;
    log?: SubmitLog;
  },
): Promise<SubmitLog> {
  const log = options.log ?? { acks: [], rejected: 0, errors: [] };
  let issued = 0;
  const loop = async (): Promise<void> => {
    while (issued < options.count && Date.now() < options.untilMs) {
      const n = issued++;
      try {
        const handle = await app.submit(new RecordTask({ n, ms: Math.round(options.taskMs()) }));
        log.acks.push({ id: handle.id, at: Date.now() });
      } catch (error) {
        log.rejected += 1;
        if (log.errors.length < 5) log.errors.push(error instanceof Error ? error.message : String(error));
        await sleep(50);
      }
      if (options.perLoopDelayMs) await sleep(options.perLoopDelayMs);
    }
  };
  await Promise.all(Array.from({ length: options.parallel }, loop));
  return log;
}
