// The PostgreSQL store on its own: migration, idempotent add, filters and paging, replay
// claims under concurrency, and values JSONB refuses.
import { deadLetterEntryOf, type DeadLetterEntry } from '@tasks/core';
import { describe, expect, it } from 'vitest';
import { DeadLetterStoreError } from '../src/index.js';
import { PG_URL, uniqueSchema, useStores } from './helpers.js';

const t = useStores();

function entry(
  id: string,
  options: { name?: string; reason?: string; at?: number; series?: number; args?: unknown } = {},
): DeadLetterEntry {
  const at = options.at ?? 1_700_000_000_000;
  const payload = JSON.stringify({
    i: id,
    n: options.name ?? 'Doomed',
    a: options.args ?? { n: 1 },
    t: 2,
    s: options.series ?? at - 10,
  });
  const record = {
    id,
    name: options.name ?? 'Doomed',
    status: 'dead-lettered',
    reason: options.reason ?? 'failed after 3 attempts: boom',
    errors: [{ attempt: 0, name: 'Error', message: 'boom', stack: null, at }],
    attempts: 3,
    deliveries: 1,
    submittedAt: options.series ?? at - 10,
    startedAt: at - 5,
    finishedAt: at,
    durationMs: 5,
    parentId: null,
    groupId: null,
    worker: 'w1',
    labels: {},
    payload,
  };
  return deadLetterEntryOf(id, JSON.stringify(record));
}

describe('PostgresDeadLetterStore', () => {
  it('migrates explicitly and idempotently, also from two processes at once', async () => {
    const schema = uniqueSchema();
    const a = await t.store({ schema, migrate: false });
    await expect(a.size()).rejects.toThrow(/call store\.migrate\(\)/);
    const b = await t.store({ schema, migrate: false });
    const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
    expect([...ra.applied, ...rb.applied]).toEqual([1]);
    expect((await a.migrate()).applied).toEqual([]);
    const indexes = await t.sql<{ indexname: string }>(
      'SELECT indexname FROM pg_indexes WHERE schemaname = $1',
      [schema],
    );
    expect(indexes.map((i) => i.indexname).sort()).toEqual(
      [
        'dead_letters_at',
        'dead_letters_migrations_pkey',
        'dead_letters_name_at',
        'dead_letters_pending_at',
        'dead_letters_pkey',
        'dead_letters_reason',
      ].sort(),
    );
  });

  it('adds an (id, series) once, however often it is forwarded', async () => {
    const store = await t.store();
    const e = entry('t1');
    await store.add([e]);
    await store.add([e, e]);
    expect(await store.size()).toBe(1);
    // A new attempt series of the same id is another row; get() returns the newest.
    await store.add([entry('t1', { series: 1_800_000_000_000, at: 1_800_000_000_010 })]);
    expect(await store.size()).toBe(2);
    expect((await store.get('t1'))?.series).toBe(1_800_000_000_000);
    expect(await store.get('nope')).toBeNull();
  });

  it('filters by task name, reason prefix and time, pages oldest first', async () => {
    const store = await t.store();
    const base = 1_700_000_000_000;
    await store.add(
      Array.from({ length: 10 }, (_, i) =>
        entry(`e${i}`, {
          at: base + i * 1000,
          name: i % 2 ? 'Odd' : 'Even',
          reason: i < 5 ? 'poison: delivered 6 times' : 'failed after 1 attempt: x_%',
        }),
      ),
    );
    const ids = (list: DeadLetterEntry[]): string[] => list.map((e) => e.id);
    expect(ids(await store.list({ limit: 3 }))).toEqual(['e0', 'e1', 'e2']);
    expect(ids(await store.list({ limit: 3, offset: 8 }))).toEqual(['e8', 'e9']);
    expect(ids(await store.list({ taskName: 'Odd' }))).toEqual(['e1', 'e3', 'e5', 'e7', 'e9']);
    expect(ids(await store.list({ reason: 'poison' }))).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    // LIKE wildcards in the prefix are literal.
    expect(ids(await store.list({ reason: 'failed after 1 attempt: x_%' }))).toHaveLength(5);
    expect(await store.size({ reason: 'failed after 1 attempt: xy' })).toBe(0);
    expect(ids(await store.list({ since: base + 2000, until: base + 4000 }))).toEqual(['e2', 'e3']);
    expect(await store.size({ taskName: 'Even', since: base + 5000 })).toBe(2); // e6, e8
    expect((await store.list({ limit: 1 }))[0]?.at).toBe(base);
  });

  it('lets one of two concurrent replay claims win, and a stale claim be resumed under its task id', async () => {
    const store = await t.store();
    await store.add([entry('r1')]);
    const claims = await Promise.all([
      store.claimReplay('r1', 'new-a', 30_000),
      store.claimReplay('r1', 'new-b', 30_000),
    ]);
    const won = claims.filter((c) => c.status === 'claimed');
    expect(won).toHaveLength(1);
    const winner = won[0]?.status === 'claimed' ? won[0].replayTaskId : '';
    expect(claims.find((c) => c.status === 'busy')).toEqual({ status: 'busy', replayTaskId: winner });
    // The winner died before submitting: once the claim is stale, a replay resumes it with the same id.
    const resumed = await store.claimReplay('r1', 'new-c', 0);
    expect(resumed.status === 'claimed' && resumed.replayTaskId).toBe(winner);
    await store.finishReplay('r1', 1_700_000_000_000 - 10);
    await store.finishReplay('r1', 1_700_000_000_000 - 10);
    expect(await store.claimReplay('r1', 'new-d', 0)).toEqual({ status: 'missing' });
    expect(await store.size()).toBe(0);
    const replayed = await store.list({ replayed: true });
    expect(replayed.map((e) => [e.id, e.replayTaskId])).toEqual([['r1', winner]]);
    expect(replayed[0]?.replayedAt).toEqual(expect.any(Number));
    expect(await store.purge('r1')).toBe(1);
    expect(await store.size({ replayed: 'all' })).toBe(0);
  });

  it('round-trips hostile JSON: NUL, unpaired surrogates, astral unicode, a megabyte of arguments', async () => {
    const store = await t.store();
    const args = {
      nul: 'a\u0000b',
      'key\u0000with nul': 1,
      lone: 'x\uD800y\uDC00z',
      astral: '𝄞 😀 ✓ 日本',
      big: 'é'.repeat(500_000),
      nested: [{ deep: ['\u0000', null, true, -0.5, 1e300] }],
    };
    const e = entry('hostile\u0000id', { args, reason: 'undecodable entry: \u0000' });
    await store.add([e]);
    const back = await store.get('hostile\u0000id');
    expect(back?.id).toBe('hostile\u0000id');
    expect(back?.args).toEqual(args);
    expect(back?.reason).toBe('undecodable entry: \u0000');
    expect(back?.record).toEqual(e.record);
    // The JSONB column holds the queryable copy, NULs and lone surrogates replaced.
    const rows = await t.sql<{ nul: string; lone: string }>(
      `SELECT args->>'nul' AS nul, args->>'lone' AS lone FROM "${store.schema}".dead_letters`,
    );
    expect(rows).toEqual([{ nul: 'a\uFFFDb', lone: 'x\uFFFDy\uFFFDz' }]);
  });

  it('fails with DeadLetterStoreError (cause kept) when PostgreSQL is unreachable', async () => {
    const url = new URL(PG_URL);
    url.port = '1';
    const store = await t.store({ url: url.toString(), migrate: false });
    const error = await store.add([entry('x')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadLetterStoreError);
    expect((error as DeadLetterStoreError).code).toBe('DLQ_STORE');
    expect((error as Error).cause).toBeDefined();
  });
});
