// The script definitions themselves (prologue, hashing, argument mapping). Running typed
// scripts on a real Redis is part of the adapter conformance suite in @tasks/testing.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  defineScript,
  SERVER_TIME_LUA,
  type LuaScript,
  type RedisAdapter,
  type RedisArg,
  type RedisReply,
} from '../src/index.js';

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** Records what `run` sends; answers with a fixed reply. */
function recorder(reply: RedisReply): {
  redis: RedisAdapter;
  calls: Array<[LuaScript, string[], RedisArg[]]>;
} {
  const calls: Array<[LuaScript, string[], RedisArg[]]> = [];
  const evalScript = async (script: LuaScript, keys: readonly string[], args: readonly RedisArg[]) => {
    calls.push([script, [...keys], [...args]]);
    return reply;
  };
  return { redis: { evalScript } as unknown as RedisAdapter, calls };
}

describe('defineScript, positional form', () => {
  it('keeps the body as given and hashes it', () => {
    const script = defineScript('incr', 1, "return redis.call('INCR', KEYS[1])");
    expect(script).toEqual({
      name: 'incr',
      numberOfKeys: 1,
      lua: "return redis.call('INCR', KEYS[1])",
      sha1: sha1("return redis.call('INCR', KEYS[1])"),
    });
    expect(defineScript('batch', null, 'return 1').numberOfKeys).toBeNull();
    expect(() => defineScript('bad', -1, 'return 1')).toThrow(RangeError);
  });
});

describe('defineScript, object form', () => {
  const take = defineScript({
    name: 'take',
    keys: ['stock', 'log'],
    args: { item: 'string', n: 'number', payload: 'bytes' },
    codes: { TAKEN: 1, SHORT: 0 },
    lua: 'return TAKEN',
    parse: (reply, codes) => reply === codes.TAKEN,
  });

  it('binds keys, arguments and codes to Lua locals in front of the body', () => {
    expect(take.lua).toBe(
      [
        'local stock, log = KEYS[1], KEYS[2]',
        'local item, n, payload = ARGV[1], tonumber(ARGV[2]), ARGV[3]',
        'local TAKEN, SHORT = 1, 0',
        'return TAKEN',
      ].join('\n'),
    );
    expect(take.sha1).toBe(sha1(take.lua));
    expect([take.numberOfKeys, take.keyNames, take.argNames, take.codes]).toEqual([
      2,
      ['stock', 'log'],
      ['item', 'n', 'payload'],
      { TAKEN: 1, SHORT: 0 },
    ]);
  });

  it('sends keys and arguments in declared order and parses the reply', async () => {
    const { redis, calls } = recorder(1);
    const payload = Buffer.from([0, 255]);
    const taken: boolean = await take.run(redis, { log: 'l', stock: 's' }, { n: 3, payload, item: 'apple' });
    expect(taken).toBe(true);
    expect(calls).toEqual([[take, ['s', 'l'], ['apple', 3, payload]]]);
    const keys = take.keyList({ stock: 's2', log: 'l2' });
    expect([...keys]).toEqual(['s2', 'l2']);
    expect(await take.run(recorder(0).redis, keys, { item: 'x', n: 1, payload: '' })).toBe(false);
  });

  it('returns the reply itself without parse, and takes extra keys and args when variadic', async () => {
    const batch = defineScript({ name: 'batch', keys: ['head'], variadic: true, lua: 'return #KEYS' });
    expect(batch.numberOfKeys).toBeNull();
    const { redis, calls } = recorder([1, 'x']);
    expect(await batch.run(redis, { head: 'h' }, {}, { keys: ['a', 'b'], args: [1] })).toEqual([1, 'x']);
    expect(calls[0]?.slice(1)).toEqual([['h', 'a', 'b'], [1]]);
    await expect(
      take.run(redis, { stock: 's', log: 'l' }, { item: 'x', n: 1, payload: '' }, { keys: ['z'] }),
    ).rejects.toThrow(/not variadic/);
  });

  it('rejects names Lua cannot bind, duplicates, fractional codes and missing values', async () => {
    const spec = { name: 'bad', lua: 'return 1' };
    expect(() => defineScript({ ...spec, keys: ['a-b'] })).toThrow(/'a-b' is not usable/);
    expect(() => defineScript({ ...spec, keys: ['end'] })).toThrow(/'end' is not usable/);
    expect(() => defineScript({ ...spec, keys: ['KEYS'] })).toThrow(/'KEYS' is not usable/);
    expect(() => defineScript({ ...spec, keys: ['x'], args: { x: 'string' } })).toThrow(
      /'x' is declared twice/,
    );
    expect(() => defineScript({ ...spec, keys: [], codes: { HALF: 0.5 } })).toThrow(/integer/);
    const one = defineScript({ ...spec, keys: ['k'], args: { a: 'string' } });
    await expect(one.run(recorder(1).redis, {} as { k: string }, { a: 'x' })).rejects.toThrow(
      /key k is missing/,
    );
    await expect(one.run(recorder(1).redis, { k: 'k' }, {} as { a: string })).rejects.toThrow(
      /argument a is missing/,
    );
  });

  it('offers the server clock as a fragment defining `now` in ms', () => {
    expect(SERVER_TIME_LUA).toMatch(/redis\.call\('TIME'\)/);
    expect(SERVER_TIME_LUA).toMatch(/^local now$/m);
  });
});
