// Scenario 1: worker processes killed with SIGKILL at random moments under load, and
// restarted. Every acknowledged task must run; runs beyond the first are counted.
import { describe, expect, it } from 'vitest';
import { faultApp, submitRecords } from './support/load.js';
import { signalChild, startChild, type Child } from './support/processes.js';
import { usePrivateRedis } from './support/private-redis.js';
import { recordScenario } from './support/report.js';
import { runSeed, seededRandom, sleep } from './support/rng.js';
import { tally, waitForQuiescence } from './support/tally.js';

const WORKERS = 3;
const TASKS = 3_000;
const SUBMIT_WINDOW_MS = 10_000;
const IDLE_MS = 1_000;

describe('1. worker processes killed with SIGKILL under load', () => {
  const privateRedis = usePrivateRedis();

  it('completes every acknowledged task; duplicates only from crashes, and counted', async () => {
    const { server, redis } = privateRedis;
    const seed = runSeed();
    const random = seededRandom(seed);
    const { app, effects, prefix } = faultApp(redis, 'crash');
    const env = {
      REDIS_URL: server.url,
      PREFIX: prefix,
      IDLE_MS: String(IDLE_MS),
      MAX_DELIVERIES: '50',
      CONCURRENCY: '16',
    };
    let generation = 0;
    const spawnWorker = (): Promise<Child> => startChild('worker', `w${generation++}`, env);
    const workers = await Promise.all(Array.from({ length: WORKERS }, spawnWorker));

    const startedAt = Date.now();
    const submitting = submitRecords(app, {
      parallel: 8,
      count: TASKS,
      untilMs: startedAt + SUBMIT_WINDOW_MS + 20_000,
      taskMs: () => 5 + random() * 45,
      perLoopDelayMs: Math.floor((SUBMIT_WINDOW_MS * 8) / TASKS),
    });
    // Kill a random worker every 0.4–1.2 s while tasks arrive (and 2 s beyond), restart it.
    let kills = 0;
    const killUntil = startedAt + SUBMIT_WINDOW_MS + 2_000;
    while (Date.now() < killUntil) {
      await sleep(400 + random() * 800);
      const index = Math.floor(random() * workers.length);
      const victim = workers[index] as Child;
      await signalChild(victim, 'SIGKILL');
      kills += 1;
      workers[index] = await spawnWorker();
    }
    const log = await submitting;
    const quiet = await waitForQuiescence(
      app,
      effects,
      log.acks.map((a) => a.id),
      60_000,
    );
    const elapsedMs = Date.now() - startedAt;
    const result = await tally(
      redis,
      effects,
      log.acks.map((a) => a.id),
    );
    const dlq = await app.dlq.size();
    const ok = quiet && result.lost === 0 && dlq === 0 && log.rejected === 0;
    recordScenario('1-worker-crash', {
      scenario: `1. ${WORKERS} worker processes, random SIGKILL + restart under load`,
      submitted: result.submitted,
      completed: result.completed,
      duplicates: result.duplicates,
      lost: result.lost,
      notes:
        `${kills} kills in ${Math.round((killUntil - startedAt) / 1000)} s (seed ${seed}); ` +
        `${result.interruptedRuns} runs cut short and redelivered, ${result.extraRuns} extra runs in all; idle timeout ${IDLE_MS} ms; DLQ ${dlq}; ` +
        `${log.rejected} submits rejected; quiescent after ${(elapsedMs / 1000).toFixed(1)} s` +
        (quiet ? '' : ' (NOT quiescent: timed out)'),
      ok,
    });
    expect(log.rejected).toBe(0);
    expect(result.submitted).toBe(TASKS);
    expect(result.lostIds).toEqual([]);
    expect(dlq).toBe(0);
    expect(quiet).toBe(true);
    // A duplicate needs a crash between side effect and ack: never more runs than kills allow.
    expect(result.extraRuns).toBeLessThanOrEqual(kills * 16);
  });
});
