// The adapter conformance suite: every RedisAdapter implementation runs it against a real
// redis-server, over RESP2 and RESP3, standalone and on a 3-master cluster.
import {
  defineScript,
  isTasksError,
  RedisAdapterError,
  SERVER_TIME_LUA,
  type RedisAdapter,
} from '@tasks/redis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testPrefix, deleteKeysWithPrefix } from './prefix.js';
import './provided.js';
import { rawCommand, startRedisServer } from './redis-server.js';

/** Where a conformance run connects. */
export type ConformanceTarget =
  | { readonly kind: 'standalone'; readonly protocol: 2 | 3; readonly url: string }
  | {
      readonly kind: 'cluster';
      readonly protocol: 2 | 3;
      readonly rootNodes: ReadonlyArray<{ host: string; port: number }>;
    };

/** A client the user owns, as the suite sees it. */
export interface OwnedClient<C> {
  readonly client: C;
  /** Runs PING through the raw client; resolves true when it answered. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** What an adapter package hands to {@link describeAdapterConformance}. */
export interface AdapterUnderTest<C> {
  readonly name: string;
  /** Creates (and connects) a raw client of the library for `target`. */
  createClient(target: ConformanceTarget): Promise<OwnedClient<C>>;
  /** The adapter factory applied to a user's client. */
  fromClient(client: C): RedisAdapter;
  /** The adapter factory applied to a URL (standalone): the adapter owns its connection. */
  fromUrl(url: string, protocol: 2 | 3): RedisAdapter;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function targets(): ConformanceTarget[] {
  const url = inject('redisUrl');
  const cluster = inject('redisCluster');
  const list: ConformanceTarget[] = [
    { kind: 'standalone', protocol: 2, url },
    { kind: 'standalone', protocol: 3, url },
  ];
  if (cluster) {
    list.push({ kind: 'cluster', protocol: 2, rootNodes: cluster.rootNodes });
    list.push({ kind: 'cluster', protocol: 3, rootNodes: cluster.rootNodes });
  }
  return list;
}

const nested = defineScript('conformance-nested', 1, "return {1, {2, 'x'}, KEYS[1], ARGV[1]}");
const twoKeys = defineScript(
  'conformance-two-keys',
  2,
  "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); return redis.call('MGET', KEYS[1], KEYS[2])",
);
const failing = defineScript('conformance-failing', 0, "return redis.error_reply('ERR conformance failure')");
const echoBytes = defineScript(
  'conformance-echo',
  1,
  "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])",
);
// A typed script: named keys and arguments bound by the prologue, named codes, parse, the
// shared server-clock fragment, and extra keys of a variadic script.
const typedTake = defineScript({
  name: 'conformance-typed-take',
  keys: ['stock', 'log'],
  args: { n: 'number', who: 'string' },
  codes: { TAKEN: 7, SHORT: 3 },
  variadic: true,
  lua: `${SERVER_TIME_LUA}
local left = tonumber(redis.call('GET', stock) or '0')
if left < n then return {SHORT, left, now} end
redis.call('DECRBY', stock, n)
redis.call('RPUSH', log, who)
for i = 3, #KEYS do redis.call('SET', KEYS[i], who) end
return {TAKEN, left - n, now}`,
  parse: (reply, codes) => {
    const [code, left, at] = Array.isArray(reply) ? reply : [];
    return { taken: code === codes.TAKEN, left: Number(left), at: Number(at) };
  },
});

/**
 * Registers the conformance tests for one adapter. Call it at the top level of a test file
 * in a package whose vitest config starts Redis (and a cluster, for the cluster targets).
 */
export function describeAdapterConformance<C>(adapter: AdapterUnderTest<C>): void {
  for (const target of targets()) {
    describe(`${adapter.name} conformance: ${target.kind}, RESP${target.protocol}`, () => {
      let owned: OwnedClient<C>;
      let redis: RedisAdapter;
      const prefix = testPrefix(`conf-${target.kind}-${target.protocol}`);
      // One hash tag per test key family, so multi-key scripts share a slot on the cluster.
      const key = (name: string): string => `${prefix}:${name}`;
      const tagged = (tag: string, name: string): string => `{${prefix}:${tag}}:${name}`;

      beforeAll(async () => {
        owned = await adapter.createClient(target);
        redis = adapter.fromClient(owned.client);
      });
      afterAll(async () => {
        await deleteKeysWithPrefix(redis, prefix);
        await redis.close();
        await owned.close();
      });

      it('reports whether it is on a cluster', () => {
        expect(redis.isCluster).toBe(target.kind === 'cluster');
        expect(typeof redis.clientName).toBe('string');
      });

      it('normalises integer, status, bulk, nil and array replies', async () => {
        const k = key('scalars');
        expect(await redis.command(['SET', k, 'v'], { key: k })).toBe('OK');
        expect(await redis.command(['GET', k], { key: k })).toBe('v');
        expect(await redis.command(['INCRBY', key('n'), 41], { key: key('n') })).toBe(41);
        expect(await redis.command(['GET', key('missing')], { key: key('missing') })).toBeNull();
        const list = key('list');
        await redis.command(['RPUSH', list, 'a', '', 3], { key: list });
        expect(await redis.command(['LRANGE', list, 0, -1], { key: list })).toEqual(['a', '', '3']);
      });

      it('flattens map replies and returns doubles as strings on every protocol', async () => {
        const h = key('hash');
        await redis.command(['HSET', h, 'f1', 'v1', 'f2', 'v2'], { key: h });
        const flat = (await redis.command(['HGETALL', h], { key: h })) as string[];
        expect(flat).toHaveLength(4);
        const asObject = new Map(
          [0, 2].map((i): [string | undefined, string | undefined] => [flat[i], flat[i + 1]]),
        );
        expect(Object.fromEntries(asObject)).toEqual({ f1: 'v1', f2: 'v2' });
        const z = key('zset');
        await redis.command(['ZADD', z, '1.5', 'm', '2', 'n'], { key: z });
        expect(await redis.command(['ZSCORE', z, 'm'], { key: z })).toBe('1.5');
        expect(await redis.command(['ZRANGE', z, 0, -1, 'WITHSCORES'], { key: z })).toEqual([
          'm',
          '1.5',
          'n',
          '2',
        ]);
      });

      it('returns nested arrays from scripts', async () => {
        const k = key('nested');
        expect(await redis.evalScript(nested, [k], ['arg'])).toEqual([1, [2, 'x'], k, 'arg']);
      });

      it('runs typed scripts: named keys, arguments and codes, parse, server time', async () => {
        const [stock, log, extra] = ['stock', 'log', 'extra'].map((n) => tagged('typed', n)) as [
          string,
          string,
          string,
        ];
        await redis.command(['SET', stock, 5], { key: stock });
        const before = await redis.time();
        const first = await typedTake.run(redis, { stock, log }, { n: 3, who: 'ann' }, { keys: [extra] });
        expect(first).toMatchObject({ taken: true, left: 2 });
        expect(first.at).toBeGreaterThanOrEqual(before - 1);
        expect(first.at).toBeLessThan(before + 60_000);
        expect(
          await typedTake.run(redis, typedTake.keyList({ stock, log }), { n: 3, who: 'bob' }),
        ).toMatchObject({
          taken: false,
          left: 2,
        });
        expect(await redis.command(['LRANGE', log, 0, -1], { key: log })).toEqual(['ann']);
        expect(await redis.command(['GET', extra], { key: extra })).toBe('ann');
      });

      it('round-trips arbitrary bytes as Buffers', async () => {
        const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        const k = key('bytes');
        await redis.command(['SET', k, bytes], { key: k });
        expect(await redis.command(['GET', k], { key: k, buffers: true })).toEqual(bytes);
        expect(await redis.evalScript(echoBytes, [key('bytes2')], [bytes], { buffers: true })).toEqual(bytes);
      });

      it('runs scripts again after SCRIPT FLUSH (NOSCRIPT fallback)', async () => {
        const k = key('flush');
        expect(await redis.evalScript(nested, [k], ['1'])).toEqual([1, [2, 'x'], k, '1']);
        const ports =
          target.kind === 'cluster'
            ? target.rootNodes.map((n) => n.port)
            : [Number(new URL(target.url).port)];
        for (const port of ports) expect(await rawCommand(port, 'SCRIPT FLUSH')).toMatch(/^\+OK/);
        expect(await redis.evalScript(nested, [k], ['2'])).toEqual([1, [2, 'x'], k, '2']);
      });

      it('runs multi-key scripts on hash-tagged keys', async () => {
        for (const tag of ['a', 'b', 'c', 'd']) {
          const keys = [tagged(tag, 'one'), tagged(tag, 'two')];
          expect(await redis.evalScript(twoKeys, keys, [tag])).toEqual([tag, tag]);
        }
      });

      it("reads the server's clock", async () => {
        const before = Date.now();
        const first = await redis.time();
        const second = await redis.time();
        expect(Math.abs(first - before)).toBeLessThan(5_000);
        expect(second).toBeGreaterThanOrEqual(first);
      });

      it('wraps client errors with the cause', async () => {
        const k = key('not-a-number');
        await redis.command(['SET', k, 'abc'], { key: k });
        const error = await redis.command(['INCR', k], { key: k }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RedisAdapterError);
        expect(isTasksError(error)).toBe(true);
        expect((error as RedisAdapterError).code).toBe('REDIS_ERROR');
        expect((error as RedisAdapterError).command).toBe('INCR');
        expect((error as Error).cause).toBeInstanceOf(Error);
        const scriptError = await redis.evalScript(failing, [], []).catch((e: unknown) => e);
        expect(scriptError).toBeInstanceOf(RedisAdapterError);
        expect(String((scriptError as Error).message)).toContain('conformance failure');
      });

      it('keeps commands flowing while a duplicate is blocked in XREADGROUP', async () => {
        const stream = key('stream');
        await redis.command(['XGROUP', 'CREATE', stream, 'g', '$', 'MKSTREAM'], { key: stream });
        const blocking = await redis.duplicate();
        try {
          const started = Date.now();
          const read = blocking.command(
            ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 1, 'BLOCK', 3000, 'STREAMS', stream, '>'],
            {
              key: stream,
            },
          );
          await sleep(50);
          for (let i = 0; i < 5; i++) expect(await redis.command(['PING'])).toBe('PONG');
          expect(Date.now() - started).toBeLessThan(1000);
          await redis.command(['XADD', stream, '*', 'field', 'value'], { key: stream });
          const reply = (await read) as [[string, [[string, string[]]]]];
          expect(Date.now() - started).toBeLessThan(2500);
          expect(reply[0][0]).toBe(stream);
          expect(reply[0][1][0][1]).toEqual(['field', 'value']);
          // A blocking read that times out returns nil.
          const empty = await blocking.command(
            ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 100, 'STREAMS', stream, '>'],
            { key: stream },
          );
          expect(empty).toBeNull();
        } finally {
          await blocking.close();
        }
      });

      it('delivers pub/sub messages and stops after unsubscribe', async () => {
        const channel = key('channel');
        const got: string[] = [];
        const other: string[] = [];
        const off = await redis.subscribe(channel, (m) => got.push(m));
        const offOther = await redis.subscribe(channel, (m) => other.push(`other:${m}`));
        await redis.publish(channel, 'one');
        await waitFor(() => got.length === 1 && other.length === 1);
        expect(got).toEqual(['one']);
        expect(other).toEqual(['other:one']);
        await off();
        await redis.publish(channel, 'two');
        await waitFor(() => other.length === 2);
        expect(got).toEqual(['one']);
        await offOther();
        await off();
        await redis.publish(channel, 'three');
        await sleep(200);
        expect(other).toEqual(['other:one', 'other:two']);
      });

      it('scans keys on every node', async () => {
        const names = Array.from({ length: 30 }, (_, i) => key(`scan:${i}`));
        for (const n of names) await redis.command(['SET', n, '1'], { key: n });
        const found = new Set<string>();
        for await (const k of redis.scan(`${prefix}:scan:*`, 10)) found.add(k);
        expect([...found].sort()).toEqual([...names].sort());
      });

      it("never closes the user's client", async () => {
        const second = adapter.fromClient(owned.client);
        expect(await second.command(['PING'])).toBe('PONG');
        const off = await second.subscribe(key('c2'), () => undefined);
        await off();
        await second.close();
        expect(await owned.ping()).toBe(true);
        expect(await redis.command(['PING'])).toBe('PONG');
      });

      if (target.kind === 'standalone') {
        it('closes the connection it opened itself', async () => {
          const own = adapter.fromUrl(target.url, target.protocol);
          expect(await own.command(['PING'])).toBe('PONG');
          await own.close();
          await expect(own.command(['PING'])).rejects.toBeInstanceOf(RedisAdapterError);
          await own.close();
        });
      }
    });
  }

  describe(`${adapter.name} conformance: server restart`, () => {
    it('reconnects by itself after the server restarts, and scripts still run', async () => {
      const server = await startRedisServer();
      const own = adapter.fromUrl(server.url, 3);
      try {
        expect(await own.evalScript(nested, ['k'], ['a'])).toEqual([1, [2, 'x'], 'k', 'a']);
        await server.stop();
        await server.restart();
        const deadline = Date.now() + 10_000;
        let reply: unknown = null;
        while (Date.now() < deadline) {
          reply = await own.evalScript(nested, ['k'], ['b']).catch(() => null);
          if (reply) break;
          await sleep(100);
        }
        expect(reply).toEqual([1, [2, 'x'], 'k', 'b']);
      } finally {
        await own.close();
        await server.destroy();
      }
    });
  });
}

async function waitFor(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(10);
  }
}
