// Hostile input through the API: oversized payloads, prototype-pollution and non-JSON
// arguments at submit, and separators / hash-tag braces / unicode / very long segments in
// task arguments, labels and lock keys. Each gets a clear error, or round-trips exactly.
import {
  BaseTask,
  InvalidTaskArgumentsError,
  PayloadTooLargeError,
  UnknownTaskError,
  type TaskApp,
  type Worker,
} from '@tasks/core';
import { LockedObjectType, MutexLock, RateLimiter } from '@tasks/locks';
import type { RedisAdapter } from '@tasks/redis';
import { startRedisServer, testPrefix, type RedisServer } from '@tasks/testing';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { EchoTask, StallTask } from '../src/tasks.js';
import { check } from './support/checks.js';
import { faultApp } from './support/load.js';
import { adapterFor } from '../src/connect.js';

const FILE = '7-hostile-args';
const LIMIT = 64 * 1024;
const EUROS = Math.ceil(LIMIT / 3); // 3 bytes each in UTF-8, one UTF-16 unit each

describe('hostile arguments, labels and lock keys', () => {
  let server: RedisServer;
  let redis: RedisAdapter;
  let app: TaskApp;
  let worker: Worker;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = adapterFor(server.url);
    app = faultApp(redis, 'hostile-args', { maxPayloadBytes: LIMIT }).app;
    worker = app.createWorker({ blockMs: 100 });
    void worker.run();
  });
  afterAll(async () => {
    await worker?.close({ timeoutMs: 2_000 });
    await redis?.close();
    await server?.destroy();
  });

  const queued = async (): Promise<number> => {
    const status = await app.status();
    return status.delayed + status.streams.reduce((sum, s) => sum + s.length, 0);
  };
  const rejection = async (run: () => Promise<unknown>): Promise<unknown> =>
    run().then(
      () => new Error('accepted'),
      (error: unknown) => error,
    );

  check(FILE, `oversized payloads at submit (maxPayloadBytes ${LIMIT})`, async () => {
    const before = await queued();
    const ascii = await rejection(() => app.submit(new EchoTask({ blob: 'x'.repeat(LIMIT) })));
    const multibyte = await rejection(() => app.submit(new EchoTask({ blob: '€'.repeat(EUROS) })));
    const delayed = await rejection(() =>
      app.submit(new EchoTask({ blob: 'x'.repeat(LIMIT) }), { delayMs: 5 }),
    );
    for (const error of [ascii, multibyte, delayed]) {
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect((error as PayloadTooLargeError).code).toBe('PAYLOAD_TOO_LARGE');
    }
    expect((multibyte as PayloadTooLargeError).bytes).toBeGreaterThan(LIMIT);
    expect(await queued()).toBe(before);
    return `PayloadTooLargeError for ASCII, 3-byte UTF-8 ("€" × ${EUROS}: ${(multibyte as PayloadTooLargeError).bytes} bytes) and delayed submits; nothing enqueued`;
  });

  check(FILE, 'prototype-pollution arguments and labels at submit', async () => {
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['args.__proto__', () => app.submit(new EchoTask(JSON.parse('{"__proto__":{"polluted":1}}')))],
      ['args.constructor', () => app.submit(new EchoTask({ constructor: { prototype: { polluted: 1 } } }))],
      ['args.list[0].__proto__', () => app.submit(new EchoTask(JSON.parse('{"list":[{"__proto__":{}}]}')))],
      [
        'labels.__proto__',
        () =>
          app.submit(new EchoTask({}), { labels: JSON.parse('{"__proto__":"x"}') as Record<string, string> }),
      ],
    ];
    for (const [path, submit] of cases) {
      const error = await rejection(submit);
      expect(error).toBeInstanceOf(InvalidTaskArgumentsError);
      expect((error as InvalidTaskArgumentsError).path).toBe(path);
    }
    expect(Object.prototype).not.toHaveProperty('polluted');
    return `InvalidTaskArgumentsError naming the path (${cases.map(([p]) => p).join(', ')}); Object.prototype untouched`;
  });

  check(FILE, 'non-JSON arguments at submit', async () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const values: Array<[string, unknown]> = [
      ['Date', { when: new Date() }],
      ['undefined', { gone: undefined }],
      ['function', { fn: () => 1 }],
      ['NaN', { n: Number.NaN }],
      ['Infinity', { n: Number.POSITIVE_INFINITY }],
      ['BigInt', { n: 10n }],
      ['Map', { m: new Map() }],
      ['Symbol', { s: Symbol('x') }],
      ['cycle', cycle],
    ];
    const messages: string[] = [];
    for (const [kind, args] of values) {
      const error = await rejection(() => app.submit(new EchoTask(args)));
      expect(error, kind).toBeInstanceOf(InvalidTaskArgumentsError);
      messages.push((error as Error).message);
    }
    class Unregistered extends BaseTask<Record<string, never>, never> {
      async execute(): Promise<never> {
        throw new Error('never runs');
      }
    }
    expect(await rejection(() => app.submit(new Unregistered({})))).toBeInstanceOf(UnknownTaskError);
    return `InvalidTaskArgumentsError for ${values.map(([k]) => k).join(', ')} (e.g. "${messages[0]}"); UnknownTaskError for an unregistered class`;
  });

  check(FILE, 'separators, braces, unicode, control characters and long strings round-trip', async () => {
    const args = {
      'key:with{brace}%3A': 'a:b::c%3A{x}}{',
      unicode: '日本語 🔒 é ñ',
      control: '\u0000\u0007\r\n\t',
      loneSurrogate: '\uD800',
      long: 'y'.repeat(60_000),
    };
    const labels = { 'label:{tag}': 'välue 🔒', empty: '' };
    const handle = await app.submit(new EchoTask(args), { labels });
    expect(await handle.result({ timeoutMs: 10_000 })).toEqual(args);
    expect((await app.getResult(handle.id))?.labels).toEqual(labels);
    return 'arguments and labels come back byte for byte (including a lone surrogate and NUL)';
  });

  check(FILE, 'lock keys: separators never collide, braces never become hash tags', async () => {
    const a = new MutexLock(LockedObjectType.JOB, 'a:b');
    const b = new MutexLock(LockedObjectType.JOB, 'a', { extraKeys: ['b'] });
    const braces = new MutexLock(LockedObjectType.JOB, '{tag}', { extraKeys: ['50%'] });
    expect(a.redisKey).not.toBe(b.redisKey);
    expect(braces.redisKey).not.toMatch(/[{}]/);
    expect(await a.acquire(redis)).toBe(true);
    expect(await b.acquire(redis)).toBe(true); // a different lock, not a collision
    expect(await braces.acquire(redis)).toBe(true);
    for (const lock of [a, b, braces]) await lock.release(redis);
    return `"${a.redisKey}" ≠ "${b.redisKey}"; "${braces.redisKey}"; all held at once`;
  });

  check(FILE, 'unicode and 100 KB lock key segments, and such keys in task arguments', async () => {
    const prefix = testPrefix('hostile-lock');
    const unicode = new MutexLock(LockedObjectType.JOB, '日本語/🔒', { extraKeys: ['é'], prefix });
    const long = new MutexLock(LockedObjectType.JOB, 'z'.repeat(100_000), { prefix });
    const limiter = new RateLimiter(LockedObjectType.JOB, 'ⓡate:🔒', { prefix, limit: 1, windowSeconds: 60 });
    for (const lock of [unicode, long]) {
      expect(await lock.acquire(redis)).toBe(true);
      expect(await lock.extend(redis)).toBe(true);
      await lock.release(redis);
      expect(await redis.command(['EXISTS', lock.redisKey], { key: lock.redisKey })).toBe(0);
    }
    expect(await limiter.acquire(redis)).toBe(true);
    expect(await limiter.acquire(redis)).toBe(false);
    const key = `a:b{c}%/日本/${'k'.repeat(10_000)}`;
    const handle = await app.submit(
      new StallTask({ key, lockPrefix: prefix, ttlMs: 5_000, writer: 'X', writes: 1 }),
    );
    expect(await handle.result({ timeoutMs: 10_000 })).toBeGreaterThan(0);
    return `"${unicode.redisKey}" and a 100 000-character segment acquire, extend and release; a task locking a 10 KB key with separators ran`;
  });
});
