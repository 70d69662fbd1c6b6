import { describe, expect, it } from 'vitest';
import {
  ConcurrencyLimiter,
  DuplicateLockedObjectTypeError,
  ExclusiveRWLock,
  InvalidLockOptionsError,
  LockedObjectType,
  lockedObjectType,
  MutexLock,
  RateLimiter,
  registerLockedObjectType,
  SharedRWLock,
  UnknownLockedObjectTypeError,
  BaseLimiter,
  acquisitionOrder,
  lockKeys,
  lockKindOf,
  lockRedisKey,
} from '../src/index.js';
import { keySlot } from '@tasks/redis';

const { TASK, TRANSFORMATION } = LockedObjectType;

describe('LockedObjectType registry', () => {
  it('has the built-in types', () => {
    expect([LockedObjectType.TASK, LockedObjectType.JOB, LockedObjectType.TRANSFORMATION]).toEqual([
      'task',
      'job',
      'transformation',
    ]);
  });

  it('registers new types once', () => {
    const custom = registerLockedObjectType('custom_test_type');
    expect(custom).toBe('custom_test_type');
    expect(lockedObjectType('custom_test_type')).toBe('custom_test_type');
    expect(() => registerLockedObjectType('custom_test_type')).toThrow(DuplicateLockedObjectTypeError);
    expect(() => registerLockedObjectType('task')).toThrow(/already registered/);
  });

  it('rejects unknown types with the list of registered ones', () => {
    expect(() => lockedObjectType('nope')).toThrow(UnknownLockedObjectTypeError);
    expect(() => new MutexLock('nope' as LockedObjectType, 1)).toThrow(
      /Unknown LockedObjectType 'nope'.*task/,
    );
  });
});

describe('lock keys', () => {
  it('match the reference patterns exactly', () => {
    expect(new MutexLock(TASK, 'MyTask').redisKey).toBe('lock:mutex:task:MyTask');
    expect(new MutexLock(TRANSFORMATION, 123, { extraKeys: ['extra'] }).redisKey).toBe(
      'lock:mutex:transformation:123:extra',
    );
    expect(new SharedRWLock(TRANSFORMATION, 42).redisKey).toBe('lock:rw:transformation:42');
    expect(new ExclusiveRWLock(TRANSFORMATION, 42).redisKey).toBe('lock:rw:transformation:42');
    expect(new RateLimiter(TASK, 'MyTask').redisKey).toBe('limiter:rate:task:MyTask');
    expect(new ConcurrencyLimiter(TASK, 'MyTask').redisKey).toBe('limiter:conc:task:MyTask');
  });

  it('escapes separators so segment lists never collide', () => {
    expect(new MutexLock(TASK, 'a:b').redisKey).not.toBe(
      new MutexLock(TASK, 'a', { extraKeys: ['b'] }).redisKey,
    );
  });

  it('puts a configured prefix in front', () => {
    expect(new MutexLock(TASK, 'X', { prefix: 'app' }).redisKey).toBe('app:lock:mutex:task:X');
  });

  it('gives every instance its own 32-hex owner id', () => {
    const a = new MutexLock(TASK, 'X');
    const b = new MutexLock(TASK, 'X');
    expect(a.ownerId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.ownerId).not.toBe(b.ownerId);
  });

  it('classifies limiters by a flag (and BaseLimiter), and ranks rate limiters last', () => {
    expect(new RateLimiter(TASK, 'X')).toBeInstanceOf(BaseLimiter);
    expect(new ConcurrencyLimiter(TASK, 'X')).toBeInstanceOf(BaseLimiter);
    expect(new MutexLock(TASK, 'X')).not.toBeInstanceOf(BaseLimiter);
    const flags = [
      new MutexLock(TASK, 'X'),
      new SharedRWLock(TASK, 'X'),
      new ExclusiveRWLock(TASK, 'X'),
      new ConcurrencyLimiter(TASK, 'X'),
      new RateLimiter(TASK, 'X'),
    ].map((l) => [l.isLimiter, l.acquisitionRank]);
    expect(flags).toEqual([
      [false, 0],
      [false, 0],
      [false, 0],
      [true, 0],
      [true, 1],
    ]);
    const order = acquisitionOrder([
      new RateLimiter(TASK, 'a'),
      new MutexLock(TASK, 'b'),
      new ConcurrencyLimiter(TASK, 'c'),
    ]).map((l) => l.redisKey);
    expect(order).toEqual(['limiter:conc:task:c', 'lock:mutex:task:b', 'limiter:rate:task:a']);
  });
});

describe('lockKeys and lockKindOf', () => {
  const prefixes = ['', 'app', '{app}', 'app:{tenant}:x', 'lock:mutex:odd'];
  const mains = (prefix: string): string[] => [
    lockRedisKey('mutex', 'job', 1, [], prefix),
    lockRedisKey('rw', 'job', 'a:b', ['c'], prefix),
    lockRedisKey('concurrency', 'task', 'T', [], prefix),
    lockRedisKey('rate', 'task', 'T', ['{x}'], prefix),
  ];

  it('recognises main keys under any prefix, and never a companion', () => {
    for (const prefix of prefixes) {
      const [mutex, rw, conc, rate] = mains(prefix);
      expect([mutex, rw, conc, rate].map((k) => lockKindOf(k ?? ''))).toEqual(
        prefix === 'lock:mutex:odd'
          ? ['mutex', 'mutex', 'mutex', 'mutex']
          : ['mutex', 'rw', 'concurrency', 'rate'],
      );
      for (const main of mains(prefix)) {
        const keys = lockKeys(main);
        const companions = [
          keys.fence,
          keys.queue,
          keys.leases,
          keys.readers,
          keys.intent,
          keys.meta,
          keys.units,
        ];
        for (const companion of companions) {
          expect(lockKindOf(companion)).toBeNull();
          expect(keySlot(companion)).toBe(keySlot(main));
        }
        expect(new Set(companions).size).toBe(companions.length);
      }
    }
    expect(lockKindOf('some:other:key')).toBeNull();
  });

  it('keeps companions in the same slot and apart from any other lock', () => {
    expect(lockKeys('lock:mutex:job:1').fence).toBe('{lock:mutex:job:1}:{fence}');
    expect(lockKeys('{app}:lock:mutex:job:1').fence).toBe('{app}:lock:mutex:job:1:{fence}');
    // The lock "job 1, extra key 'fence'" is not the companion of "job 1".
    const withExtra = new MutexLock(LockedObjectType.JOB, 1, { prefix: '{app}', extraKeys: ['fence'] });
    expect(withExtra.redisKey).not.toBe(lockKeys('{app}:lock:mutex:job:1').fence);
  });
});

describe('withPrefix', () => {
  class Tight extends RateLimiter {
    static override limit = 3;
    static override windowSeconds = 10;
  }

  it('copies every kind with its options under another prefix, with a fresh owner', () => {
    const locks = [
      new MutexLock(TASK, 'Tick', { extraKeys: ['vo'], ttlMs: 1_234 }),
      new SharedRWLock(TASK, 'T', { ttlMs: 2_000, preferWriters: false }),
      new ExclusiveRWLock(TASK, 'T', { ttlMs: 3_000, intentMs: 700 }),
      new ConcurrencyLimiter(TASK, 'T', { limit: 4, ttlMs: 5_000 }),
      new RateLimiter(TASK, 'T', { limit: 9, windowSeconds: 2, nItems: 3 }),
      new Tight(TASK, 'T'),
    ];
    for (const lock of locks) {
      const copy = lock.withPrefix('{tasks}');
      expect(copy).toBeInstanceOf(lock.constructor);
      expect(copy.redisKey).toBe(`{tasks}:${lock.redisKey}`);
      expect(copy.prefix).toBe('{tasks}');
      expect(copy.ownerId).not.toBe(lock.ownerId);
      expect([copy.obj, copy.key, copy.extraKeys, copy.ttlMs]).toEqual([
        lock.obj,
        lock.key,
        lock.extraKeys,
        lock.ttlMs,
      ]);
      expect(copy.withPrefix('other').redisKey).toBe(`other:${lock.redisKey}`);
    }
    const [, shared, exclusive, conc, rate, tight] = locks.map((l) => l.withPrefix('p'));
    expect((shared as SharedRWLock).preferWriters).toBe(false);
    expect((exclusive as ExclusiveRWLock).intentMs).toBe(700);
    expect((conc as ConcurrencyLimiter).limit).toBe(4);
    expect([
      (rate as RateLimiter).limit,
      (rate as RateLimiter).windowSeconds,
      (rate as RateLimiter).nItems,
    ]).toEqual([9, 2, 3]);
    expect([(tight as Tight).limit, (tight as Tight).enabled]).toEqual([3, true]);
  });
});

describe('limiter defaults', () => {
  it('are disabled class defaults, overridable by subclass and instance', () => {
    expect(RateLimiter.limit).toBeNull();
    expect(RateLimiter.windowSeconds).toBeNull();
    expect(ConcurrencyLimiter.limit).toBeNull();
    expect(new RateLimiter(TASK, 'X').enabled).toBe(false);
    class Ten extends RateLimiter {
      static override limit = 10;
      static override windowSeconds = 60;
    }
    expect(new Ten(TASK, 'X').enabled).toBe(true);
    expect(new Ten(TASK, 'X', { limit: null }).enabled).toBe(false);
    expect(new ConcurrencyLimiter(TASK, 'X', { limit: 3 }).limit).toBe(3);
  });

  it('validate options, naming the bad one', () => {
    expect(() => new MutexLock(TASK, 'X', { ttlMs: 0 })).toThrow(InvalidLockOptionsError);
    expect(() => new ConcurrencyLimiter(TASK, 'X', { limit: 1.5 })).toThrow(/'limit'/);
    expect(() => new RateLimiter(TASK, 'X', { windowSeconds: -1 })).toThrow(/'windowSeconds'/);
    expect(() => new RateLimiter(TASK, 'X', { nItems: 0 })).toThrow(/'nItems'/);
    expect(() => new ExclusiveRWLock(TASK, 'X', { intentMs: -1 })).toThrow(/'intentMs'/);
  });
});
