// Scenario 2: Redis stopped and restarted with AOF persistence, with a worker process and the
// submitter running. Every acknowledged submission must run after the restart, and the
// worker must reconnect by itself.
import { startRedisServer } from '@tasks/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { faultApp, submitRecords, type Ack } from './support/load.js';
import { killAllChildren, startChild } from './support/processes.js';
import { recordScenario } from './support/report.js';
import { sleep } from './support/rng.js';
import { doneCount, tally, waitForQuiescence } from './support/tally.js';
import { adapterFor } from '../src/connect.js';

const VARIANTS = [
  { key: 'a', fsync: 'everysec', stop: 'clean' },
  { key: 'b', fsync: 'everysec', stop: 'crash' },
  { key: 'c', fsync: 'always', stop: 'clean' },
  { key: 'd', fsync: 'always', stop: 'crash' },
] as const;
const FAULT_AT_MS = 1_800;
const DOWN_MS = 1_000;
const RUN_MS = 4_500;

const within = (acks: readonly Ack[], from: number, to: number): number =>
  acks.filter((a) => a.at >= from && a.at < to).length;

describe('2. Redis stopped and restarted with AOF on', () => {
  afterEach(killAllChildren);

  for (const variant of VARIANTS) {
    const how = variant.stop === 'clean' ? 'clean stop (SIGTERM)' : 'process killed (SIGKILL)';
    it(`appendfsync ${variant.fsync}, ${how}: acknowledged submissions survive, the worker reconnects`, async () => {
      const server = await startRedisServer({
        args: ['--appendonly', 'yes', '--appendfsync', variant.fsync],
      });
      const redis = adapterFor(server.url);
      try {
        const { app, effects, prefix } = faultApp(redis, `aof-${variant.fsync}-${variant.stop}`);
        const worker = await startChild('worker', 'w', {
          REDIS_URL: server.url,
          PREFIX: prefix,
          IDLE_MS: '2000',
          CONCURRENCY: '4',
        });
        const startedAt = Date.now();
        // A burst the worker (4 slots × 20 ms tasks) cannot keep up with, so a backlog waits
        // in the stream when Redis goes down; then a steady trickle through the outage.
        const log = await submitRecords(app, {
          parallel: 8,
          count: 600,
          untilMs: startedAt + 5_000,
          taskMs: () => 20,
        });
        const submitting = submitRecords(app, {
          parallel: 2,
          count: 1_000_000,
          untilMs: startedAt + RUN_MS,
          taskMs: () => 20,
          perLoopDelayMs: 20,
          log,
        });
        await sleep(FAULT_AT_MS - (Date.now() - startedAt));
        const doneAtFault = await doneCount(redis, effects);
        const downAt = Date.now();
        if (variant.stop === 'clean') await server.stop();
        else await server.kill();
        await sleep(DOWN_MS);
        await server.restart();
        const upAt = Date.now();
        // The worker has resumed once it completes a task it had not completed before.
        const before = await doneCount(redis, effects);
        while ((await doneCount(redis, effects)) === before && Date.now() - upAt < 20_000) await sleep(20);
        const resumedMs = Date.now() - upAt;
        await submitting;
        const acked = log.acks.map((a) => a.id);
        const quiet = await waitForQuiescence(app, effects, acked, 30_000);
        const result = await tally(redis, effects, acked);
        const lastSecond = within(log.acks, downAt - 1_000, downAt);
        const lastTwoSeconds = within(log.acks, downAt - 2_000, downAt);
        const lostBeforeFault = result.lostIds.filter((id) =>
          log.acks.some((a) => a.id === id && a.at < downAt),
        ).length;
        const errorLines = worker
          .output()
          .split('\n')
          .filter((l) => l.startsWith('error')).length;
        // Redis documents up to ~1-2 s of acknowledged writes lost with everysec on a crash.
        const allowedLoss = variant.fsync === 'everysec' && variant.stop === 'crash' ? lastTwoSeconds : 0;
        const ok = result.lost <= allowedLoss && worker.alive() && log.rejected === 0 && quiet;
        recordScenario(`2${variant.key}-redis-restart`, {
          scenario: `2${variant.key}. Redis restart, AOF appendfsync ${variant.fsync}, ${how}`,
          submitted: result.submitted,
          completed: result.completed,
          duplicates: result.duplicates,
          lost: result.lost,
          notes:
            `down ${upAt - downAt} ms; worker resumed ${resumedMs} ms after restart, by itself ` +
            `(${errorLines} errors reported, process alive: ${worker.alive()}); ` +
            `acked before the fault ${within(log.acks, 0, downAt)} (${within(log.acks, 0, downAt) - doneAtFault} still queued), ` +
            `lost of those ${lostBeforeFault}, ` +
            `acked in the last 1 s before it ${lastSecond}; ${log.rejected} submits rejected` +
            (log.errors.length > 0 ? ` (${[...new Set(log.errors)].join('; ')})` : '') +
            '; ' +
            `${result.unacknowledgedRuns} runs of unacknowledged submits; ${result.extraRuns} extra runs` +
            (variant.stop === 'crash'
              ? '; Redis write()s the AOF before replying, so a killed process loses only writes ' +
                'postponed by a slow fsync (≤ 2 s with everysec); the fsync window itself needs an ' +
                'OS crash or power loss, not injected here'
              : '; SIGTERM makes Redis fsync the AOF before it exits') +
            (quiet ? '' : '; NOT quiescent after 30 s'),
          ok,
        });
        expect(log.rejected, log.errors.join('\n')).toBe(0);
        expect(worker.alive()).toBe(true);
        expect(resumedMs).toBeLessThan(20_000);
        expect(result.lost).toBeLessThanOrEqual(allowedLoss);
        if (allowedLoss === 0) expect(result.lostIds).toEqual([]);
        expect(quiet).toBe(true);
      } finally {
        await killAllChildren();
        await redis.close();
        await server.destroy();
      }
    });
  }
});
