import { describe, expect, it } from 'vitest';
import { defineScript } from '../src/index.js';
import { normalizeReply, reshapeReply } from '../src/normalize.js';

describe('normalizeReply', () => {
  it('maps RESP3 shapes onto RESP2 shapes', () => {
    expect(normalizeReply(new Map([['a', 1]]), false)).toEqual(['a', 1]);
    expect(normalizeReply({ a: '1' }, false)).toEqual(['a', '1']);
    expect(normalizeReply(new Set(['x']), false)).toEqual(['x']);
    expect(normalizeReply(true, false)).toBe(1);
    expect(normalizeReply(false, false)).toBe(0);
    expect(normalizeReply(1.5, false)).toBe('1.5');
    expect(normalizeReply(10n, false)).toBe(10);
    expect(normalizeReply(2n ** 70n, false)).toBe((2n ** 70n).toString());
    expect(normalizeReply(undefined, false)).toBeNull();
  });

  it('returns strings or Buffers as asked', () => {
    expect(normalizeReply(Buffer.from('hé'), false)).toBe('hé');
    expect(normalizeReply('hé', true)).toEqual(Buffer.from('hé'));
    expect(normalizeReply([Buffer.from([0xff])], true)).toEqual([Buffer.from([0xff])]);
  });

  it('throws an error found inside a reply', () => {
    expect(() => normalizeReply([new Error('boom')], false)).toThrow('boom');
  });
});

describe('defineScript', () => {
  it('precomputes the SHA1 Redis uses', () => {
    // sha1("return 1") as reported by SCRIPT LOAD.
    expect(defineScript('one', 0, 'return 1').sha1).toBe('e0e1f9fabfc9d4800c877a703b823ac0578ff8db');
  });

  it('rejects a bad key count', () => {
    expect(() => defineScript('bad', -1, 'return 1')).toThrow(RangeError);
  });
});

describe('reshapeReply', () => {
  it('gives XREADGROUP its RESP2 shape', () => {
    const resp2 = [['s', [['1-0', ['f', 'v']]]]];
    expect(reshapeReply('XREADGROUP', resp2)).toEqual(resp2);
    expect(reshapeReply('XREADGROUP', ['s', [['1-0', ['f', 'v']]]])).toEqual(resp2);
  });

  it('flattens RESP3 score pairs', () => {
    expect(
      reshapeReply('ZRANGE', [
        ['a', '1'],
        ['b', '2'],
      ]),
    ).toEqual(['a', '1', 'b', '2']);
    expect(reshapeReply('ZRANGE', ['a', '1'])).toEqual(['a', '1']);
    expect(reshapeReply('GET', null)).toBeNull();
  });
});
