// Scenario 4: a worker process running a task under a short-TTL MutexLock is frozen with
// SIGSTOP for longer than the TTL; another worker takes the lock (higher fencing token) and
// writes. After SIGCONT the stalled task must learn the loss through its abort signal, and
// the fenced store must never accept its writes again.
import { TaskFailedError } from '@tasks/core';
import { testPrefix } from '@tasks/testing';
import { describe, expect, it } from 'vitest';
import { StallTask } from '../src/tasks.js';
import { faultApp } from './support/load.js';
import { signalChild, startChild } from './support/processes.js';
import { usePrivateRedis } from './support/private-redis.js';
import { recordScenario } from './support/report.js';
import { sleep } from './support/rng.js';

const TTL_MS = 1_000;
const STALL_MS = 3_000;

describe('4. lock holder stalled (SIGSTOP) past its lease', () => {
  const privateRedis = usePrivateRedis();

  it('the stalled task sees LockLostError and no stale write is accepted', async () => {
    const { server, redis } = privateRedis;
    const { app, effects, prefix } = faultApp(redis, 'stall');
    const list = async (key: string): Promise<string[]> =>
      (await redis.command(['LRANGE', key, 0, -1], { key })) as string[];
    const waitFor = async (what: string, test: () => Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!(await test())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(20);
      }
    };
    // No reclaiming during the stall: this scenario is about the lock, not the delivery.
    const env = { REDIS_URL: server.url, PREFIX: prefix, IDLE_MS: '60000' };
    const lock = { key: 'stall-target', lockPrefix: testPrefix('stall-lock'), ttlMs: TTL_MS };

    const first = await startChild('worker', 'A', env);
    const stalled = await app.submit(new StallTask({ ...lock, writer: 'A', writes: 0 }));
    await waitFor('A to hold the lock and write', async () => (await list(effects.accepted)).length >= 2);
    await signalChild(first, 'SIGSTOP');
    const stoppedAt = Date.now();

    await startChild('worker', 'B', env);
    const newer = await app.submit(new StallTask({ ...lock, writer: 'B', writes: 3 }));
    const tokenB = await newer.result({ timeoutMs: 15_000 });
    const takenOverMs = Date.now() - stoppedAt;
    await sleep(Math.max(0, STALL_MS - (Date.now() - stoppedAt)));
    await signalChild(first, 'SIGCONT');
    const resumedAt = Date.now();

    const outcome = await stalled.result({ timeoutMs: 15_000 }).catch((error: unknown) => error);
    const events = await list(effects.events);
    const accepted = (await list(effects.accepted)).map((line) => {
      const [token = '', writer = ''] = line.split('|');
      return { token: Number(token), writer };
    });
    const heldA = events.find((e) => e.startsWith('held|A|'));
    const tokenA = Number(heldA?.split('|')[2]);
    const lost = events.find((e) => e.startsWith('lost|A|'));
    const lostAfterMs = Number(lost?.split('|')[3]) - resumedAt;
    const firstB = accepted.findIndex((w) => w.writer === 'B');
    const staleAccepted = accepted.slice(firstB).filter((w) => w.writer === 'A').length;
    const staleRejected = events.filter((e) => e.startsWith('rejected|A|')).length;
    const tokensInOrder = accepted.every((w, i) => i === 0 || w.token >= (accepted[i - 1]?.token ?? 0));
    const lastError = outcome instanceof TaskFailedError ? outcome.errors.at(-1) : undefined;

    const ok =
      tokenB > tokenA &&
      firstB >= 0 &&
      staleAccepted === 0 &&
      tokensInOrder &&
      lastError?.name === 'LockLostError';
    recordScenario('4-lock-stall', {
      scenario: `4. lock holder frozen (SIGSTOP ${STALL_MS} ms, MutexLock TTL ${TTL_MS} ms), another worker takes over`,
      submitted: 2,
      completed: `${outcome === tokenA ? 2 : 1} succeeded, ${lastError ? `1 failed with ${lastError.name}` : '0 failed'}`,
      duplicates: 0,
      lost: 0,
      notes:
        `fencing tokens A ${tokenA} < B ${tokenB}; B held the lock ${takenOverMs} ms after the freeze; ` +
        `after SIGCONT, A's signal aborted ${Number.isFinite(lostAfterMs) ? `${lostAfterMs} ms` : 'NEVER'} later; ` +
        `stale writes by A: ${staleRejected} attempted and rejected by the fenced store, ${staleAccepted} accepted`,
      ok,
    });
    expect(tokenB).toBeGreaterThan(tokenA);
    expect(firstB).toBeGreaterThanOrEqual(0);
    expect(staleAccepted).toBe(0);
    expect(tokensInOrder).toBe(true);
    expect(outcome).toBeInstanceOf(TaskFailedError);
    expect(lastError?.name).toBe('LockLostError');
    expect(lost).toBeDefined();
    const store = (await redis.command(['HGET', effects.store, 'token'], { key: effects.store })) as string;
    expect(Number(store)).toBe(tokenB);
  });
});
