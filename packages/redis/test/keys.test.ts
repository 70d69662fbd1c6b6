import { describe, expect, it } from 'vitest';
import {
  companionKey,
  escapeKeySegment,
  hashTag,
  hashTagged,
  joinKey,
  keySlot,
  withPrefix,
} from '../src/index.js';

describe('key helpers', () => {
  it('leaves plain segments unchanged so reference keys stay exact', () => {
    expect(joinKey('lock', 'mutex', 'transformation', 123, 'extra')).toBe(
      'lock:mutex:transformation:123:extra',
    );
  });

  it('never lets ("a:b") collide with ("a", "b")', () => {
    expect(joinKey('a:b')).not.toBe(joinKey('a', 'b'));
    expect(joinKey('a%3Ab')).not.toBe(joinKey('a:b'));
    expect(escapeKeySegment('a:b')).toBe('a%3Ab');
    expect(escapeKeySegment('100%')).toBe('100%25');
  });

  it('escapes braces so user segments cannot create hash tags', () => {
    const key = joinKey('lock', '{x}');
    expect(hashTag(key)).toBeNull();
    expect(key).toBe('lock:%7Bx%7D');
  });

  it('is stable across repeated calls (no regex state)', () => {
    for (let i = 0; i < 5; i++) expect(escapeKeySegment('a:b')).toBe('a%3Ab');
  });

  it('puts a prefix in front with one separator', () => {
    expect(withPrefix('', 'k')).toBe('k');
    expect(withPrefix('app', 'k')).toBe('app:k');
    expect(withPrefix('app:', 'k')).toBe('app:k');
    expect(() => withPrefix('bad}', 'k')).toThrow(/hash tag/);
  });

  it('derives companion keys in the same cluster slot', () => {
    const main = 'lock:rw:job:42';
    const companion = companionKey(main, 'fence');
    expect(companion).toBe('{lock:rw:job:42}:fence');
    expect(keySlot(companion)).toBe(keySlot(main));
    const tagged = 'app:{t}:lock';
    expect(keySlot(companionKey(tagged, 'x'))).toBe(keySlot(tagged));
  });

  it('computes the documented slots', () => {
    // Values from the Redis Cluster specification and CLUSTER KEYSLOT.
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('123456789')).toBe(12739);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'));
    expect(hashTag('foo{}{bar}')).toBeNull();
  });

  it('builds hash-tagged keys', () => {
    expect(hashTagged('tasks', 'stream', 'normal')).toBe('{tasks}:stream:normal');
    expect(keySlot(hashTagged('tasks', 'a'))).toBe(keySlot(hashTagged('tasks', 'b')));
  });
});
