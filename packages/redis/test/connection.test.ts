import { describe, expect, it } from 'vitest';
import { blockingMs, classifyConnectionError, describeEndpoint, maskRedisUrl } from '../src/connection.js';
import { PendingCommands } from '../src/pending.js';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('classifyConnectionError', () => {
  it.each([
    [
      new Error('WRONGPASS invalid username-password pair or user is disabled.'),
      'auth',
      'WRONGPASS invalid username-password pair or user is disabled',
    ],
    [
      new Error('NOAUTH Authentication required.'),
      'auth',
      'it requires a password and none was given (NOAUTH)',
    ],
    [
      new Error('ERR AUTH <password> called without any password configured for the default user.'),
      'auth',
      'ERR AUTH <password> called without any password configured for the default user',
    ],
    [
      new Error('Unknown RESP type 72 "H". Please report this.'),
      'protocol',
      'its reply starts with "H", like an HTTP server',
    ],
    [new Error('Protocol error, got "S" as reply type byte'), 'protocol', 'its reply starts with "S"'],
    [
      withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'),
      'unreachable',
      'connection refused (ECONNREFUSED): nothing listens there',
    ],
    [withCode('getaddrinfo ENOTFOUND nope', 'ENOTFOUND'), 'unreachable', 'unknown host (ENOTFOUND)'],
    [new Error('Connection is closed.'), 'unreachable', 'Connection is closed'],
    [new Error('Socket closed unexpectedly'), 'unreachable', 'Socket closed unexpectedly'],
  ])('%s', (error, kind, reason) => {
    expect(classifyConnectionError(error)).toMatchObject({ kind, reason });
  });

  it('tells a connection that never opened from one that broke', () => {
    const refused = withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED');
    expect(classifyConnectionError(refused)).toMatchObject({ connectFailed: true });
    expect(classifyConnectionError(withCode('write EPIPE', 'EPIPE'))).toMatchObject({ connectFailed: false });
    expect(classifyConnectionError(new Error('Socket closed unexpectedly'))).toMatchObject({
      connectFailed: false,
    });
  });

  it('leaves ordinary command errors alone', () => {
    expect(
      classifyConnectionError(new Error('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ).toBeNull();
    expect(classifyConnectionError(new Error('ERR unknown command'))).toBeNull();
    expect(classifyConnectionError('a string')).toBeNull();
  });
});

describe('maskRedisUrl and describeEndpoint', () => {
  it('masks the password only', () => {
    expect(maskRedisUrl('redis://app:s3cret@db:6379/0')).toBe('redis://app:***@db:6379/0');
    expect(maskRedisUrl('rediss://:s3cret@db:6380')).toBe('rediss://:***@db:6380');
    expect(maskRedisUrl('redis://db:6379')).toBe('redis://db:6379');
  });

  it('masks what looks like a password in text that is not a URL', () => {
    expect(maskRedisUrl('redis://app:s3cret@db:port')).not.toContain('s3cret');
  });

  it('describes client options without credentials', () => {
    expect(describeEndpoint({ host: 'db', port: 6380 })).toBe('db:6380');
    expect(describeEndpoint({})).toBe('127.0.0.1:6379');
    expect(describeEndpoint({ host: '::1', port: 1 })).toBe('[::1]:1');
    expect(describeEndpoint({ path: '/run/redis.sock' })).toBe('/run/redis.sock');
  });
});

describe('blockingMs', () => {
  it('reads the block time of blocking commands', () => {
    expect(
      blockingMs('XREADGROUP', ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 5000, 'STREAMS', 's', '>']),
    ).toBe(5000);
    expect(blockingMs('XREAD', ['XREAD', 'block', '0', 'STREAMS', 's', '$'])).toBe(Infinity);
    expect(blockingMs('XREAD', ['XREAD', 'STREAMS', 's', '0'])).toBeUndefined();
    expect(blockingMs('BLPOP', ['BLPOP', 'a', 'b', 2])).toBe(2000);
    expect(blockingMs('BLMPOP', ['BLMPOP', 1.5, 1, 'a', 'LEFT'])).toBe(1500);
    expect(blockingMs('GET', ['GET', 'k'])).toBeUndefined();
  });
});

describe('PendingCommands', () => {
  it('settles like the command when it answers in time', async () => {
    const pending = new PendingCommands(10_000, () => new Error('expired'));
    await expect(pending.track(Promise.resolve(42), 'GET')).resolves.toBe(42);
    await expect(pending.track(Promise.reject(new Error('boom')), 'GET')).rejects.toThrow('boom');
    pending.dispose();
  });

  it('rejects a command that never answers once its deadline passes', async () => {
    const pending = new PendingCommands(50, (name, ms) => new Error(`${name} expired after ${ms}`));
    await expect(pending.track(new Promise(() => undefined), 'GET')).rejects.toThrow('GET expired after 50');
    pending.dispose();
  });

  it('rejects every pending command on demand', async () => {
    const pending = new PendingCommands(Infinity, () => new Error('never'));
    const a = pending.track(new Promise(() => undefined), 'A');
    const b = pending.track(new Promise(() => undefined), 'B');
    pending.rejectAll((name) => new Error(`${name} failed`));
    await expect(a).rejects.toThrow('A failed');
    await expect(b).rejects.toThrow('B failed');
  });
});
