import { LockedObjectType, MutexLock, RateLimiter } from '@tasks/locks';
import { describe, expect, it } from 'vitest';
import { json, runTasks, startTasks, useRedis } from './helpers.js';

const r = useRedis('cli-locks');

interface LockJson {
  key: string;
  kind: string;
  holders: Array<{ ownerId: string; role: string; ttlMs: number; metadata: Record<string, unknown> | null }>;
}

describe('locks', () => {
  it('lists a held mutex with its owner, TTL and metadata', async () => {
    const key = r.lockKey();
    const lock = new MutexLock(LockedObjectType.JOB, key, { ttlMs: 20_000 });
    expect(await lock.acquire(r.redis(), { metadata: { task: 'abc-123', host: 'test' } })).toBe(true);
    try {
      const listed = await runTasks(['locks', key, '--json', '--redis-url', r.url]);
      expect(listed.code, listed.stderr).toBe(0);
      const [info] = json<LockJson[]>(listed);
      expect(info).toMatchObject({ key: `lock:mutex:job:${key}`, kind: 'mutex' });
      expect(info?.holders).toHaveLength(1);
      expect(info?.holders[0]).toMatchObject({
        ownerId: lock.ownerId,
        role: 'owner',
        metadata: { task: 'abc-123', host: 'test' },
      });
      expect(info?.holders[0]?.ttlMs).toBeGreaterThan(10_000);
      expect(info?.holders[0]?.ttlMs).toBeLessThanOrEqual(20_000);

      const table = await runTasks(['locks', key, '--redis-url', r.url]);
      expect(table.stdout).toMatch(/^KEY\s+KIND\s+ROLE\s+OWNER\s+TTL\s+METADATA$/m);
      expect(table.stdout).toMatch(
        new RegExp(
          `^lock:mutex:job:${key}\\s+mutex\\s+owner\\s+${lock.ownerId}\\s+1\\d\\.\\d s\\s+task=abc-123 host=test$`,
          'm',
        ),
      );
    } finally {
      await lock.release(r.redis());
    }
    const after = await runTasks(['locks', `lock:mutex:job:${key}*`, '--redis-url', r.url]);
    expect(after.stdout).toBe(`No locks match lock:mutex:job:${key}*.\n`);
  });
});

describe('call and locks', () => {
  it('fails with exit code 5 after --wait-ms while the mutex is held, naming the holder', async () => {
    const key = r.lockKey();
    const prefix = r.prefix();
    const lock = appLock(prefix, key);
    const shown = escapeRegExp(lock.redisKey);
    expect(await lock.acquire(r.redis(), { metadata: { worker: 'w1' } })).toBe(true);
    try {
      const result = await runTasks([
        'call',
        'Exclusive',
        '--args',
        JSON.stringify({ key }),
        '--wait-ms',
        '400',
        ...r.cli(prefix),
      ]);
      expect(result.code).toBe(5);
      const [announced, failure, ...rest] = result.stderr.trimEnd().split('\n');
      expect(announced).toMatch(
        new RegExp(
          `^Lock ${shown} is held by ${lock.ownerId} \\(worker=w1\\), lease .* left: waiting up to 400 ms \\(--wait-ms\\) for it$`,
        ),
      );
      expect(failure).toMatch(
        new RegExp(
          `^tasks: Lock ${shown} stayed held for 400 ms \\(--wait-ms\\); held by ${lock.ownerId} \\(worker=w1\\)`,
        ),
      );
      expect(rest).toEqual([]);
      expect(result.ms).toBeGreaterThanOrEqual(400);
    } finally {
      await lock.release(r.redis());
    }
  });

  it('waits for a held mutex and runs as soon as it is released, then releases it', async () => {
    const key = r.lockKey();
    const prefix = r.prefix();
    const lock = appLock(prefix, key);
    expect(await lock.acquire(r.redis())).toBe(true);
    const call = startTasks([
      'call',
      'Exclusive',
      '--args',
      JSON.stringify({ key }),
      '--wait-ms',
      '20000',
      '--json',
      ...r.cli(prefix),
    ]);
    await call.waitFor(
      new RegExp(`Lock ${escapeRegExp(lock.redisKey)} is held by ${lock.ownerId}.*: waiting up to 20\\.0 s`),
    );
    expect(call.child.exitCode).toBeNull(); // still waiting
    await lock.release(r.redis());
    const result = await call.done;
    expect(result.code, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({ task: 'Exclusive', result: `ran ${key}` });
    const rival = appLock(prefix, key);
    expect(await rival.acquire(r.redis())).toBe(true); // call released its lock
    await rival.release(r.redis());
  });

  it('ignores an exhausted rate limiter (interactive runs skip limiters)', async () => {
    const key = r.lockKey();
    const limiter = () => new RateLimiter(LockedObjectType.TASK, key, { limit: 1, windowSeconds: 3600 });
    expect(await limiter().acquire(r.redis())).toBe(true);
    expect(await limiter().acquire(r.redis())).toBe(false); // exhausted for an hour
    const result = await runTasks([
      'call',
      'Throttled',
      '--args',
      JSON.stringify({ key }),
      ...r.cli(r.prefix()),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('"not throttled"\n');
  });
});

describe('call and Ctrl-C', () => {
  it('stops waiting for a lock on SIGINT and exits 130', async () => {
    const key = r.lockKey();
    const prefix = r.prefix();
    const lock = appLock(prefix, key);
    expect(await lock.acquire(r.redis())).toBe(true);
    try {
      const call = startTasks([
        'call',
        'Exclusive',
        '--args',
        JSON.stringify({ key }),
        '--wait-ms',
        '30000',
        ...r.cli(prefix),
      ]);
      await call.waitFor(/is held by .*: waiting up to 30\.0 s/); // the handlers are installed by then
      const result = await call.stop('SIGINT');
      expect(result.code).toBe(130);
      expect(result.stderr).toMatch(
        /: waiting up to 30\.0 s \(--wait-ms\) for it\ntasks: Interrupted: Exclusive was stopped\n$/,
      );
    } finally {
      await lock.release(r.redis());
    }
  });
});

/** The lock a task's `MutexLock(JOB, key)` takes in the app under `prefix` (task locks live under the app's prefix). */
function appLock(prefix: string, key: string): MutexLock {
  return new MutexLock(LockedObjectType.JOB, key).withPrefix(`{${prefix}}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
