// Counting what ran: every scenario's tasks record their runs in Redis (see src/tasks.ts);
// this compares them with what was submitted, and waits until the system is idle.
import type { TaskApp } from '@tasks/core';
import type { RedisAdapter } from '@tasks/redis';
import type { EffectKeys } from '../../src/tasks.js';
import { sleep } from './rng.js';

/** Submitted versus completed, for one scenario. */
export interface Tally {
  readonly submitted: number;
  /** Submitted tasks whose side effect ran at least once. */
  readonly completed: number;
  /** Submitted tasks whose side effect ran more than once. */
  readonly duplicates: number;
  /** Runs beyond the first, summed over all tasks. */
  readonly extraRuns: number;
  /** Submitted tasks that never ran. */
  readonly lost: number;
  readonly lostIds: readonly string[];
  /** Tasks that ran although their submission was never acknowledged. */
  readonly unacknowledgedRuns: number;
  /** Runs that started but never reached their side effect (cut short by a crash). */
  readonly interruptedRuns: number;
}

/** Reads the run counts and compares them with the acknowledged submissions. */
export async function tally(
  redis: RedisAdapter,
  effects: EffectKeys,
  submitted: readonly string[],
): Promise<Tally> {
  const counts = await runCounts(redis, effects);
  const starts = await runCounts(redis, effects, 'starts');
  const known = new Set(submitted);
  let completed = 0;
  let duplicates = 0;
  let extraRuns = 0;
  const lostIds: string[] = [];
  for (const id of submitted) {
    const n = counts.get(id) ?? 0;
    if (n === 0) lostIds.push(id);
    else completed += 1;
    if (n > 1) {
      duplicates += 1;
      extraRuns += n - 1;
    }
  }
  const unacknowledgedRuns = [...counts.keys()].filter((id) => !known.has(id)).length;
  return {
    submitted: submitted.length,
    completed,
    duplicates,
    extraRuns,
    lost: lostIds.length,
    lostIds,
    unacknowledgedRuns,
    interruptedRuns: sum(starts) - sum(counts),
  };
}

function sum(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}

/** task id -> how many times its side effect ran (or, with 'starts', how many runs started). */
export async function runCounts(
  redis: RedisAdapter,
  effects: EffectKeys,
  which: 'count' | 'starts' = 'count',
): Promise<Map<string, number>> {
  const key = effects[which];
  const flat = (await redis.command(['HGETALL', key], { key })) as string[];
  const counts = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) counts.set(String(flat[i]), Number(flat[i + 1]));
  return counts;
}

/**
 * How many distinct tasks ran so far. The observer's own read retries for up to 10 s: during a
 * fail-over a cluster client may drop a command while it rediscovers the slots (node-redis
 * rejects it with "Disconnects client"), and that is not what the scenario measures.
 */
export async function doneCount(redis: RedisAdapter, effects: EffectKeys): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return Number(await redis.command(['SCARD', effects.done], { key: effects.done }));
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** True when no entry waits in a stream, runs unacknowledged, or waits in the delayed set. */
export async function idle(app: TaskApp): Promise<boolean> {
  const status = await app.status();
  return status.delayed === 0 && status.streams.every((s) => s.length === 0 && s.pending === 0);
}

/**
 * Waits until every id in `expected` ran and the app is idle. Resolves false after
 * `timeoutMs`, or earlier once the app has been idle with no new run for `settleMs` (what is
 * missing then will not come; the caller reports it). Redis errors while polling (a server
 * still restarting) count as "not yet".
 */
export async function waitForQuiescence(
  app: TaskApp,
  effects: EffectKeys,
  expected: readonly string[],
  timeoutMs: number,
  settleMs = 5_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let lastDone = -1;
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    try {
      const done = await doneCount(app.redis, effects);
      if (done !== lastDone) [lastDone, lastChange] = [done, Date.now()];
      const quiet = await idle(app);
      if (quiet && done >= new Set(expected).size) {
        const counts = await runCounts(app.redis, effects);
        if (expected.every((id) => counts.has(id))) return true;
      }
      if (quiet && Date.now() - lastChange >= settleMs) return false;
    } catch {
      // not reachable yet: poll again
    }
    await sleep(250);
  }
  return false;
}

/** Median and maximum of a list of durations, as "median X ms, max Y ms". */
export function describeDurations(values: readonly number[]): string {
  if (values.length === 0) return 'none';
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `median ${Math.round(median)} ms, max ${Math.round(sorted.at(-1) ?? 0)} ms`;
}
