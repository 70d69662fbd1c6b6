// Scenario 3: the scheduler leader (a child process) is SIGKILLed again and again while
// standbys wait; an IntervalSeconds(1) task must get every occurrence exactly once.
import { Priority, Size } from '@tasks/core';
import { describe, expect, it } from 'vitest';
import { faultApp } from './support/load.js';
import { killAllChildren, signalChild, startChild, type Child } from './support/processes.js';
import { usePrivateRedis } from './support/private-redis.js';
import { recordScenario } from './support/report.js';
import { runSeed, seededRandom, sleep } from './support/rng.js';
import { describeDurations, tally, waitForQuiescence } from './support/tally.js';

const SCHEDULERS = 4;
const LEASE_MS = 1_000;
const WINDOW_MS = 16_000;
/** Leader kills wanted: the run goes past WINDOW_MS (up to DEADLINE_MS) until it has them. */
const MIN_KILLS = 4;
const DEADLINE_MS = 60_000;
/** What to do with occurrences missed during a fail-over; FAULTS_MISFIRE=coalesce tries the default. */
const MISFIRE = process.env.FAULTS_MISFIRE ?? 'all';

describe('3. scheduler leader killed repeatedly', () => {
  const privateRedis = usePrivateRedis();

  it('submits every occurrence once: consecutive, unique, none after a fail-over lost', async () => {
    const { server, redis } = privateRedis;
    const random = seededRandom(runSeed());
    const { app, effects, prefix } = faultApp(redis, 'scheduler');
    const leaderKey = app.keys.key('scheduler', 'leader');
    const leader = async (): Promise<string | null> => {
      const value = await redis.command(['GET', leaderKey], { key: leaderKey });
      return typeof value === 'string' ? value.slice(0, value.lastIndexOf('|')) : null;
    };
    const children = new Map<string, Child>();
    let generation = 0;
    const spawnScheduler = async (): Promise<void> => {
      const id = `s${generation++}`;
      const env = { REDIS_URL: server.url, PREFIX: prefix, INSTANCE_ID: id, LEASE_MS: String(LEASE_MS) };
      children.set(id, await startChild('scheduler', id, { ...env, TICK_MS: '100', MISFIRE }));
    };
    for (let i = 0; i < SCHEDULERS; i++) await spawnScheduler();
    const startedAt = Date.now();
    while ((await leader()) === null && Date.now() - startedAt < 10_000) await sleep(20);

    const failovers: number[] = [];
    // A slow machine gets fewer kills into the window: the run then lasts until it had enough.
    while (
      (Date.now() - startedAt < WINDOW_MS || failovers.length < MIN_KILLS) &&
      Date.now() - startedAt < DEADLINE_MS
    ) {
      await sleep(1_500 + random() * 1_500);
      const id = await leader();
      const victim = id === null ? undefined : children.get(id);
      if (!id || !victim) continue;
      await signalChild(victim, 'SIGKILL');
      const killedAt = Date.now();
      children.delete(id);
      const replacement = spawnScheduler();
      let next = await leader();
      while ((next === null || next === id) && Date.now() - killedAt < 10_000) {
        await sleep(10);
        next = await leader();
      }
      failovers.push(Date.now() - killedAt);
      await replacement;
    }
    await sleep(1_500); // let the last leader settle before stopping everyone
    const endedAt = Date.now();
    await killAllChildren();

    const stream = app.keys.stream(Priority.NORMAL, Size.MEDIUM);
    const entries = (await redis.command(['XRANGE', stream, '-', '+'], { key: stream })) as Array<
      [string, string[]]
    >;
    const submitted = entries.map(([, fields]) => {
      const payload = JSON.parse(fields[1] ?? '{}') as { i: string; l?: { occurrence?: string } };
      return { id: payload.i, occurrence: Date.parse(payload.l?.occurrence ?? '') };
    });
    const occurrences = submitted.map((s) => s.occurrence).sort((a, b) => a - b);
    const unique = new Set(occurrences);
    const first = occurrences[0] ?? 0;
    const last = occurrences.at(-1) ?? 0;
    const expected = Math.round((last - first) / 1_000) + 1;
    const gaps = expected - unique.size;

    // Then a worker runs what was submitted.
    const worker = app.createWorker({ blockMs: 200, rescheduleDelayMs: { base: 20, max: 200 } });
    void worker.run();
    const ids = submitted.map((s) => s.id);
    const quiet = await waitForQuiescence(app, effects, ids, 20_000);
    await worker.close({ timeoutMs: 2_000 });
    const result = await tally(redis, effects, ids);

    const headLag = first - startedAt;
    const tailLag = endedAt - last;
    const ok =
      unique.size === occurrences.length &&
      gaps === 0 &&
      headLag < 2_500 &&
      tailLag < 2_500 &&
      result.lost === 0;
    recordScenario('3-scheduler-failover', {
      scenario: `3. scheduler leader SIGKILLed repeatedly (${SCHEDULERS} processes, lease ${LEASE_MS} ms)`,
      submitted: occurrences.length,
      completed: result.completed,
      duplicates: occurrences.length - unique.size,
      lost: gaps,
      notes:
        `${failovers.length} leader kills in ${Math.round((endedAt - startedAt) / 1000)} s; ` +
        `new leader after ${describeDurations(failovers)}; ${expected} occurrences expected between ` +
        `the first and the last (${new Date(first).toISOString().slice(11, 19)}–${new Date(last)
          .toISOString()
          .slice(11, 19)} UTC), misfire '${MISFIRE}'; ` +
        `"completed" = run afterwards by one worker (${result.extraRuns} extra runs)`,
      ok,
    });
    expect(failovers.length).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(unique.size).toBe(occurrences.length); // none twice
    expect(gaps).toBe(0); // none lost
    expect(headLag).toBeLessThan(2_500);
    expect(tailLag).toBeLessThan(2_500); // still submitting at the end
    expect(quiet).toBe(true);
    expect(result.lost).toBe(0);
  });
});
