import { describe, expect, it } from 'vitest';
import { InvalidTaskArgumentsError, PayloadTooLargeError } from '../src/index.js';
import { assertPlainData, decodePayload, encodePayload } from '../src/payload.js';

describe('task arguments', () => {
  it('accept plain JSON data', () => {
    expect(() => assertPlainData('T', { a: [1, 'x', null, true, { b: 2.5 }] })).not.toThrow();
  });

  it.each([
    [{ to: [1, () => 1] }, 'args.to[1]', /function/],
    [{ when: new Date(0) }, 'args.when', /Date.*ISO string/],
    [{ n: Number.NaN }, 'args.n', /NaN/],
    [{ big: 1n }, 'args.big', /bigint/],
    [{ m: new Map() }, 'args.m', /Map/],
    [{ u: undefined }, 'args', /undefined/],
    [JSON.parse('{"__proto__": {"polluted": true}}') as unknown, 'args.__proto__', /forbidden/],
  ])('reject %o naming the field', (args, path, problem) => {
    try {
      assertPlainData('SendEmail', args);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidTaskArgumentsError);
      expect((error as InvalidTaskArgumentsError).path).toBe(path);
      expect((error as Error).message).toMatch(/^Task SendEmail: /);
      expect((error as Error).message).toMatch(problem);
    }
  });

  it('reject cycles', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => assertPlainData('T', a)).toThrow(/circular/);
  });
});

describe('payloads', () => {
  it('round-trip', () => {
    const payload = { i: 'id', n: 'T', a: { x: [1, 2] }, t: 2, s: 5 };
    expect(decodePayload(encodePayload(payload, 1024))).toEqual(payload);
  });

  it('enforce the size limit', () => {
    expect(() => encodePayload({ i: 'id', n: 'Big', a: 'x'.repeat(2000), t: 0, s: 0 }, 1000)).toThrow(
      PayloadTooLargeError,
    );
  });

  it('cannot pollute prototypes when decoded', () => {
    const hostile =
      '{"i":"x","n":"T","t":0,"s":0,"a":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}';
    const payload = decodePayload(hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(payload.a as object)).toEqual([]);
    const merged = Object.assign({}, payload.a);
    expect((merged as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    'not json',
    '42',
    '{"n":"T","t":0,"s":0}',
    '{"i":"x","n":"","t":0,"s":0}',
    '{"i":"x","n":"T","t":-1,"s":0}',
  ])('reject malformed payload %s', (text) => {
    expect(() => decodePayload(text)).toThrow();
  });
});
