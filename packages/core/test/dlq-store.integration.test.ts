// The DLQ behind its store interface: the Redis store's filters and replay claims, and the
// forwarder that moves entries to an external store (here a small in-memory one that can be
// made to fail) without losing or doubling any.
import { describe, expect, it } from 'vitest';
import {
  BaseTask,
  DeadLetterNotFoundError,
  matchesDeadLetterFilter,
  RedisDeadLetterStore,
  type DeadLetterEntry,
  type DeadLetterFilter,
  type DeadLetterQuery,
  type DeadLetterStore,
  type ReplayClaim,
  type TaskApp,
} from '../src/index.js';
import { clients, useApps, waitUntil } from './helpers.js';

class Broken extends BaseTask<{ n: number }, never> {
  override dlqEligible = true;
  async execute(): Promise<never> {
    throw new Error(`broken ${this.args.n}`);
  }
}

class Cracked extends BaseTask<{ n: number }, never> {
  override dlqEligible = true;
  async execute(): Promise<never> {
    throw new Error(`cracked ${this.args.n}`);
  }
}

/** An external store in memory, keyed by (id, series) like a real one; `down` makes every call fail. */
class MemoryStore implements DeadLetterStore {
  readonly rows = new Map<string, DeadLetterEntry>();
  adds = 0;
  down = false;
  async add(entries: readonly DeadLetterEntry[]): Promise<void> {
    this.#check();
    for (const e of entries) {
      this.adds += 1;
      const key = `${e.id}|${e.series}`;
      if (!this.rows.has(key)) this.rows.set(key, e);
    }
  }
  async get(id: string): Promise<DeadLetterEntry | null> {
    this.#check();
    return [...this.rows.values()].filter((e) => e.id === id).sort((a, b) => b.series - a.series)[0] ?? null;
  }
  async list(query: DeadLetterQuery): Promise<DeadLetterEntry[]> {
    this.#check();
    const all = [...this.rows.values()]
      .filter((e) => matchesDeadLetterFilter(e, query))
      .sort((a, b) => a.at - b.at);
    return all.slice(query.offset ?? 0, (query.offset ?? 0) + (query.limit ?? 50));
  }
  async size(filter: DeadLetterFilter): Promise<number> {
    this.#check();
    return [...this.rows.values()].filter((e) => matchesDeadLetterFilter(e, filter)).length;
  }
  async claimReplay(id: string, replayTaskId: string): Promise<ReplayClaim> {
    const entry = await this.get(id);
    if (!entry || entry.replayedAt !== null) return { status: 'missing' };
    if (entry.replayTaskId) return { status: 'busy', replayTaskId: entry.replayTaskId };
    const claimed = { ...entry, replayTaskId };
    this.rows.set(`${id}|${entry.series}`, claimed);
    return { status: 'claimed', entry: claimed, replayTaskId };
  }
  async finishReplay(id: string, series: number): Promise<void> {
    const entry = this.rows.get(`${id}|${series}`);
    if (entry) this.rows.set(`${id}|${series}`, { ...entry, replayedAt: Date.now() });
  }
  async purge(id?: string): Promise<number> {
    const keys = [...this.rows.keys()].filter((k) => id === undefined || k.startsWith(`${id}|`));
    for (const k of keys) this.rows.delete(k);
    return keys.length;
  }
  #check(): void {
    if (this.down) throw new Error('store unreachable');
  }
}

async function deadLetter(app: TaskApp, tasks: Array<Broken | Cracked>): Promise<string[]> {
  const handles = await app.submitMany(tasks);
  await Promise.all(handles.map((h) => h.result({ timeoutMs: 15_000 }).catch(() => undefined)));
  return handles.map((h) => h.id);
}

describe.each(clients())('DLQ stores on $name', (client) => {
  const t = useApps(client);

  it('filters the Redis DLQ by task name, reason prefix and time, with paging', async () => {
    const app = t.app({ tasks: [Broken, Cracked] });
    t.worker(app);
    const before = Date.now();
    const ids = await deadLetter(app, [new Broken({ n: 1 }), new Cracked({ n: 2 }), new Broken({ n: 3 })]);
    expect(app.dlq.store).toBeInstanceOf(RedisDeadLetterStore);
    expect(await app.dlq.size()).toBe(3);
    const broken = await app.dlq.list({ taskName: 'Broken' });
    expect(broken.map((e) => e.args)).toEqual(expect.arrayContaining([{ n: 1 }, { n: 3 }]));
    expect(broken).toHaveLength(2);
    expect(await app.dlq.size({ taskName: 'Cracked' })).toBe(1);
    expect(await app.dlq.list({ taskName: 'Broken', limit: 1, offset: 1 })).toHaveLength(1);
    const reason = (await app.dlq.get(ids[0] as string))?.reason ?? '';
    expect(await app.dlq.size({ reason: reason.slice(0, 10) })).toBe(3);
    expect(await app.dlq.size({ reason: 'no such reason' })).toBe(0);
    expect(await app.dlq.size({ since: before })).toBe(3);
    expect(await app.dlq.size({ until: before })).toBe(0);
    expect(await app.dlq.list({ replayed: true })).toEqual([]);
  });

  it('refuses a second replay while the first holds its claim; a stale claim resumes with its task id', async () => {
    const app = t.app({ tasks: [Broken] });
    const worker = t.worker(app);
    const [id] = await deadLetter(app, [new Broken({ n: 1 })]);
    await worker.close();
    const store = app.dlq.store;
    // A replayer that claimed the entry and died before queueing anything.
    const claim = await store.claimReplay(id as string, 'crashed-replay', 30_000);
    expect(claim.status).toBe('claimed');
    await expect(app.dlq.replay(id as string)).rejects.toBeInstanceOf(DeadLetterNotFoundError);
    expect((await app.dlq.get(id as string))?.replayTaskId).toBe('crashed-replay');
    // Once stale, the claim is taken over under the same task id: one task, never two.
    expect(await store.claimReplay(id as string, 'another', 0)).toMatchObject({
      status: 'claimed',
      replayTaskId: 'crashed-replay',
    });
  });

  it('forwards to an external store only after it accepted the entries, and reports an outage once', async () => {
    const store = new MemoryStore();
    store.down = true;
    const app = t.app({
      tasks: [Broken],
      deadLetterStore: store,
      deadLetterForwarding: { intervalMs: 20, maxBackoffMs: 100 },
    });
    const reports: string[] = [];
    app.on('workerError', (e) => reports.push(e.where));
    const worker = t.worker(app);
    const ids = await deadLetter(app, [new Broken({ n: 1 }), new Broken({ n: 2 }), new Broken({ n: 3 })]);
    await waitUntil(() => reports.includes('dlq-store'), 'the outage reported');
    expect(await app.dlq.pending()).toBe(3);
    await expect(app.dlq.list()).rejects.toThrow(/store unreachable/);
    store.down = false;
    await waitUntil(async () => (await app.dlq.pending()) === 0, 'forwarded after the outage');
    expect(reports.filter((w) => w === 'dlq-store')).toHaveLength(1);
    expect([...store.rows.values()].map((e) => e.id).sort()).toEqual([...ids].sort());
    // A forward that stopped between the store's commit and the Redis delete: the store ignores the repeat.
    const entry = store.rows.values().next().value as DeadLetterEntry;
    const raw = JSON.stringify(entry.record);
    await app.redis.command(['HSET', app.keys.dlqData, entry.id, raw], { key: app.keys.dlqData });
    await app.redis.command(['ZADD', app.keys.dlq, entry.at, entry.id], { key: app.keys.dlq });
    await app.dlq.forward();
    expect(store.rows.size).toBe(3);
    expect(await app.dlq.size()).toBe(3);
    // Replays go through the external store's bookkeeping.
    await worker.close(); // (else the replayed task fails and is dead-lettered again at once)
    const handle = await app.dlq.replay(entry.id);
    expect((await app.dlq.get(entry.id))?.replayTaskId).toBe(handle.id);
    expect(await app.dlq.size()).toBe(2);
  });
});
