import type { MutexLock } from '@tasks/locks';
import { IntervalSeconds } from '@tasks/schedules';
import { spawn } from 'node:child_process';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { PeriodicBaseTask, PeriodicVoAwareBaseTask, Priority, Size, type TaskContext } from '../src/index.js';
import { sleep, useApps, waitUntil } from './helpers.js';

const submitted: Array<{ name: string; vo: string | null; occurrence: number }> = [];
beforeEach(() => {
  submitted.length = 0;
});

class EverySecond extends PeriodicBaseTask<Record<string, never>, string> {
  static override defaultSchedule = new IntervalSeconds(1);
  async execute(): Promise<string> {
    return 'tick';
  }
}

class PerVo extends PeriodicVoAwareBaseTask<string> {
  static override defaultSchedule = new IntervalSeconds(1);
  async execute(ctx: TaskContext): Promise<string> {
    return `${this.vo}:${ctx.taskId}`;
  }
}

describe('scheduler', () => {
  const t = useApps();

  it('elects one leader; a standby takes over within one lease when it dies, without doubles or gaps', async () => {
    const app = t.app({ tasks: [EverySecond] });
    const child = spawn(
      process.execPath,
      [new URL('./fixtures/scheduler-process.mjs', import.meta.url).pathname],
      {
        env: { ...process.env, REDIS_URL: inject('redisUrl'), PREFIX: app.keys.prefix, LEASE_MS: '1000' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      let output = '';
      child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
      await waitUntil(() => output.includes('leader'), 10_000);
      const standby = app.createScheduler({ leaseMs: 1_000, tickMs: 100, instanceId: 'standby' });
      void standby.run();
      await sleep(2_500);
      expect(standby.isLeader).toBe(false);
      child.kill('SIGKILL');
      const killedAt = Date.now();
      const leaderKey = app.keys.key('scheduler', 'leader');
      const leaseLeft = Number(await t.redis().command(['PTTL', leaderKey], { key: leaderKey }));
      expect(leaseLeft).toBeLessThanOrEqual(1_000);
      await waitUntil(() => standby.isLeader, 5_000);
      // Within the dead leader's remaining lease (at most one lease TTL) plus the standby's poll
      // interval (lease / 10) and timer slack on a loaded machine.
      expect(Date.now() - killedAt).toBeLessThanOrEqual(Math.max(0, leaseLeft) + 100 + 400);
      await sleep(2_500);
      await standby.close();
      const stream = app.keys.stream(Priority.NORMAL, Size.MEDIUM);
      const entries = (await t.redis().command(['XRANGE', stream, '-', '+'], { key: stream })) as Array<
        [string, string[]]
      >;
      const occurrences = entries.map(([, fields]) =>
        Date.parse((JSON.parse(fields[1] ?? '{}') as { l: { occurrence: string } }).l.occurrence),
      );
      expect(occurrences.length).toBeGreaterThanOrEqual(4);
      expect(new Set(occurrences).size).toBe(occurrences.length); // none twice
      for (let i = 1; i < occurrences.length; i++)
        expect((occurrences[i] ?? 0) - (occurrences[i - 1] ?? 0)).toBe(1_000); // none lost
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('keeps next-run times in Redis: a restart neither fires early nor skips', async () => {
    const app = t.app({ tasks: [EverySecond] });
    app.on('periodicSubmitted', (e) => submitted.push(e));
    const first = app.createScheduler({ leaseMs: 1_000, tickMs: 50 });
    void first.run();
    await waitUntil(() => submitted.length >= 1, 5_000);
    const status = await app.status();
    expect(status.scheduler?.leader).toBe(first.instanceId);
    expect(status.scheduler?.fencingToken).toBe(first.fencingToken);
    await first.close();
    expect((await app.status()).scheduler).toBeNull(); // close() hands the lease over at once
    const second = app.createScheduler({ leaseMs: 1_000, tickMs: 50 });
    void second.run();
    await waitUntil(() => submitted.length >= 3, 5_000);
    await second.close();
    const occurrences = submitted.map((s) => s.occurrence);
    for (let i = 1; i < occurrences.length; i++)
      expect((occurrences[i] ?? 0) - (occurrences[i - 1] ?? 0)).toBe(1_000);
  });

  it('coalesces occurrences missed while down into one run', async () => {
    const app = t.app({ tasks: [EverySecond] });
    app.on('periodicSubmitted', (e) => submitted.push(e));
    const first = app.createScheduler({ leaseMs: 1_000, tickMs: 50 });
    void first.run();
    await waitUntil(() => submitted.length >= 1, 5_000);
    await first.close();
    const downAt = Date.now();
    await sleep(3_200); // three occurrences missed
    const backAt = Date.now();
    const second = app.createScheduler({ leaseMs: 1_000, tickMs: 50 });
    void second.run();
    await waitUntil(() => submitted.length >= 2, 5_000);
    await second.close();
    // Of the occurrences that fell while no scheduler ran, exactly one was submitted.
    const missed = submitted.filter((s) => s.occurrence > downAt && s.occurrence <= backAt);
    expect(missed.length).toBe(1);
  });

  it('gives each VO its own entry and mutex, and picks up a VO added at run time', async () => {
    const app = t.app({ tasks: [PerVo] });
    app.on('periodicSubmitted', (e) => submitted.push(e));
    const vos = ['lhcb', 'atlas', 'cms'];
    const scheduler = app.createScheduler({ leaseMs: 1_000, tickMs: 50, vos: () => vos, voRefreshMs: 100 });
    void scheduler.run();
    await waitUntil(() => new Set(submitted.map((s) => s.vo)).size === 3, 5_000);
    vos.push('alice');
    await waitUntil(() => submitted.some((s) => s.vo === 'alice'), 5_000);
    await scheduler.close();
    const keys = ['lhcb', 'atlas'].map((vo) => new PerVo({ vo }).executionLocks[0]?.redisKey);
    expect(keys).toEqual(['lock:mutex:task:PerVo:lhcb', 'lock:mutex:task:PerVo:atlas']);
  });

  it('skips (and records) an occurrence whose previous run still holds the mutex', async () => {
    const app = t.app({ tasks: [EverySecond] });
    app.on('periodicSubmitted', (e) => submitted.push(e));
    const skipped: Array<{ reason: string }> = [];
    app.on('periodicSkipped', (e) => skipped.push(e));
    const lock = new EverySecond({}).executionLocks[0] as MutexLock;
    expect(lock.redisKey).toBe('lock:mutex:task:EverySecond');
    expect(await lock.acquire(t.redis())).toBe(true); // "the previous run" is still going
    const scheduler = app.createScheduler({ leaseMs: 1_000, tickMs: 50 });
    void scheduler.run();
    try {
      await waitUntil(() => skipped.length >= 2, 5_000);
      expect(submitted).toHaveLength(0);
      expect(skipped[0]?.reason).toMatch(/still holds lock:mutex:task:EverySecond/);
      const recorded = await t.redis().command(['LLEN', app.keys.key('scheduler', 'skipped')], {
        key: app.keys.key('scheduler', 'skipped'),
      });
      expect(Number(recorded)).toBeGreaterThanOrEqual(2);
      await lock.release(t.redis());
      await waitUntil(() => submitted.length >= 1, 5_000);
    } finally {
      await scheduler.close();
      await lock.release(t.redis());
    }
  });
});
