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
} from '../src/index.js';

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

  it('classifies limiters', () => {
    expect(new RateLimiter(TASK, 'X')).toBeInstanceOf(BaseLimiter);
    expect(new ConcurrencyLimiter(TASK, 'X')).toBeInstanceOf(BaseLimiter);
    expect(new MutexLock(TASK, 'X')).not.toBeInstanceOf(BaseLimiter);
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
  });
});
