import { keySlot } from '@tasks/redis';
import { describe, expect, it } from 'vitest';
import { Keyspace, ShardLayoutError } from '../src/index.js';
import { clients, useApps } from './helpers.js';

describe('shard keys', () => {
  it('keeps the one-shard layout under {prefix}', () => {
    const keys = new Keyspace('tasks');
    expect(keys.shards.map((s) => s.tag)).toEqual(['{tasks}']);
    expect(keys.shardOf('any-id')).toBe(0);
  });

  it("puts shard i's tag in the i-th N-th of the slot space, and ids on their shard", () => {
    for (const n of [2, 3, 6]) {
      const keys = new Keyspace('{app}', n);
      keys.shards.forEach((s, i) => expect(Math.floor((keySlot(s.tag) * n) / 16_384), s.tag).toBe(i));
      for (let shard = 0; shard < n; shard++) expect(keys.shardOf(keys.newId(shard))).toBe(shard);
    }
  });
});

const sharded = clients().find((c) => c.shards);

describe.runIf(sharded)('shard layout on the cluster', () => {
  const t = useApps(sharded);

  it('places 3 shards on the 3 masters, with no warning', async () => {
    const app = t.app({ tasks: [] });
    const found = await app.shardPlacement();
    expect(found?.masters).toBe(3);
    expect(new Set(found?.placement.map((p) => p.master)).size).toBe(3);
    expect(found?.warning).toBeNull();
  });

  it('refuses a process with another shard count', async () => {
    const app = t.app({ tasks: [] });
    await app.submitMany([]);
    const other = t.app({ tasks: [], prefix: app.keys.prefix, shards: 2 });
    await expect(other.submitMany([])).rejects.toBeInstanceOf(ShardLayoutError);
  });
});
