// The adapter trouble suite: what every RedisAdapter does when Redis itself is in trouble or
// configured for it — full memory, an evicting policy, a least-privilege user, TLS — against
// real servers. Both adapters must pass it with the same error classes.
import { readFileSync } from 'node:fs';
import {
  checkRedis,
  defineScript,
  RedisOutOfMemoryError,
  RedisTlsError,
  type RedisAdapter,
  type RedisAdapterOptions,
} from '@tasks/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCommand, startRedisServer, type RedisServer } from './redis-server.js';
import { makeTestCertificates, type TestCertificates } from './tls.js';

/** What an adapter package hands to {@link describeAdapterTrouble}. */
export interface AdapterTroubleUnderTest {
  readonly name: string;
  /** The adapter factory applied to a URL: the adapter owns its connection. */
  fromUrl(url: string, options?: RedisAdapterOptions): RedisAdapter;
  /** An adapter on `rediss://` `url` trusting the CA `ca` (PEM). */
  fromTlsUrl(url: string, ca: Buffer, options?: RedisAdapterOptions): RedisAdapter;
}

const grow = defineScript('trouble-grow', 1, "return redis.call('SET', KEYS[1], string.rep('x', 4096))");
const freeing = defineScript({
  name: 'trouble-free',
  keys: ['target', 'note'],
  flags: ['allow-oom'],
  lua: "redis.call('DEL', target) redis.call('SET', note, 'freed') return 1",
});

const overfill = defineScript({
  name: 'trouble-overfill',
  keys: ['key'],
  flags: ['allow-oom'],
  lua: "return redis.call('SET', key, string.rep('o', 300000))",
});

/**
 * Writes 100 KB values until Redis refuses one for memory, then goes 300 KB over `maxmemory`
 * (an allow-oom script), so that even a small write is refused.
 */
async function fill(redis: RedisAdapter, prefix: string): Promise<number> {
  const value = 'f'.repeat(100_000);
  for (let i = 0; i < 1_000; i++) {
    try {
      await redis.command(['SET', `${prefix}:fill:${i}`, value]);
    } catch (error) {
      if (!(error instanceof RedisOutOfMemoryError)) throw error;
      await overfill.run(redis, { key: `${prefix}:over` }, {});
      return i;
    }
  }
  throw new Error('Redis never refused a write for memory');
}

/**
 * Registers the trouble tests for one adapter (the package's vitest config need not start
 * Redis: the suite starts its own servers).
 */
export function describeAdapterTrouble(adapter: AdapterTroubleUnderTest): void {
  describe(`${adapter.name} when Redis is in trouble`, () => {
    let full: RedisServer;
    let redis: RedisAdapter;
    beforeAll(async () => {
      full = await startRedisServer({
        args: ['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'],
      });
      redis = adapter.fromUrl(full.url);
    });
    afterAll(async () => {
      await redis?.close();
      await full?.destroy();
    });

    it('a full Redis refuses writes and unflagged scripts with RedisOutOfMemoryError; allow-oom scripts still run', async () => {
      const filled = await fill(redis, 'oom');
      expect(filled).toBeGreaterThan(0);
      const refused = await redis.command(['SET', 'oom:more', 'x']).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RedisOutOfMemoryError);
      expect(refused).toMatchObject({ code: 'REDIS_OUT_OF_MEMORY', command: 'SET', client: adapter.name });
      expect((refused as Error).message).toMatch(/is full.*maxmemory/);
      const script = await redis.evalScript(grow, ['oom:grow'], []).catch((e: unknown) => e);
      expect(script).toBeInstanceOf(RedisOutOfMemoryError);
      // Reads and deletions go on; a flagged script runs (also on the EVAL fallback after a SCRIPT FLUSH).
      expect(await redis.command(['EXISTS', 'oom:fill:0'])).toBe(1);
      await rawCommand(full.port, 'SCRIPT FLUSH');
      expect(await freeing.run(redis, { target: 'oom:fill:0', note: 'oom:note' }, {})).toBe(1);
      expect(await redis.command(['GET', 'oom:note'])).toBe('freed');
      const report = await checkRedis(redis);
      expect(report.findings.find((f) => f.check === 'memory')?.level).toBe('warning');
    });

    it('checkRedis warns about an evicting policy, and falls back to INFO for a user without CONFIG', async () => {
      await rawCommand(full.port, 'CONFIG SET maxmemory-policy volatile-lru');
      await rawCommand(full.port, 'ACL SETUSER trouble-app on >app-Pa55 ~* +@all -config');
      const limited = adapter.fromUrl(`redis://trouble-app:app-Pa55@127.0.0.1:${full.port}`);
      try {
        const admin = await checkRedis(redis);
        const viaConfig = admin.findings.find((f) => f.check === 'eviction-policy');
        expect(viaConfig).toMatchObject({ level: 'warning', value: 'volatile-lru', source: 'CONFIG GET' });
        expect(viaConfig?.message).toMatch(/two holders of one mutex/);
        expect(admin.findings.find((f) => f.check === 'persistence')?.level).toBe('warning');
        const app = await checkRedis(limited);
        expect(app.findings.find((f) => f.check === 'config-access')?.level).toBe('info');
        expect(app.findings.find((f) => f.check === 'eviction-policy')).toMatchObject({
          value: 'volatile-lru',
          source: 'INFO',
        });
        expect(app.findings.find((f) => f.check === 'version')).toMatchObject({ level: 'info' });
      } finally {
        await limited.close();
        await rawCommand(full.port, 'CONFIG SET maxmemory-policy noeviction');
      }
    });
  });

  describe(`${adapter.name} over TLS`, () => {
    let certs: TestCertificates;
    let server: RedisServer;
    beforeAll(async () => {
      certs = makeTestCertificates();
      server = await startRedisServer({ tls: certs });
    });
    afterAll(async () => {
      await server?.destroy();
      certs?.remove();
    });

    it('connects with the CA, and a wrong CA fails at once with RedisTlsError', async () => {
      const url = server.tlsUrl ?? '';
      const good = adapter.fromTlsUrl(url, readFileSync(certs.caFile));
      try {
        await good.command(['SET', 'tls:k', 'v']);
        expect(await good.command(['GET', 'tls:k'])).toBe('v');
        expect(await good.evalScript(grow, ['tls:grow'], [])).toBe('OK');
      } finally {
        await good.close();
      }
      const wrong = adapter.fromTlsUrl(url, readFileSync(certs.otherCaFile), { commandTimeoutMs: 20_000 });
      try {
        const started = Date.now();
        const error = await wrong.command(['PING']).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RedisTlsError);
        expect(error).toMatchObject({ code: 'REDIS_TLS' });
        expect((error as Error).message).toMatch(/certificate is not trusted.*CA/);
        expect(Date.now() - started).toBeLessThan(15_000);
      } finally {
        await wrong.close();
      }
    });
  });
}
