import { randomUUID } from 'node:crypto';
import { assertValidPrefix, escapeKeySegment, hashTag, keySlot } from '@tasks/redis';
import { PRIORITIES, SIZES, streamIndex, type Priority, type Size } from './enums.js';
import { TaskConfigError } from './errors.js';

/** The most shards an app may have. */
export const MAX_SHARDS = 256;

/**
 * The keys of one shard of an app: its streams, delayed set, live index, results, DLQ, event
 * stream and the rest of a task's state, all under the shard's hash tag, so every transition
 * of a task is one script on one Redis Cluster slot.
 */
export class ShardKeys {
  /** The consumer group of every stream. */
  readonly group = 'workers';
  /** The 9 streams, indexed by `streamIndex(priority, size)`. */
  readonly streams: readonly string[];
  readonly delayed: string;
  readonly delayedData: string;
  readonly dlq: string;
  readonly dlqData: string;
  /** The capped stream of lifecycle events. */
  readonly events: string;
  /** Where each live (queued, delayed or running) task is: id → "<stream>|<entry>" or "d|<stream>". */
  readonly live: string;
  /** Cancel requests of running tasks: id → request time. */
  readonly cancels: string;
  /** The last progress each running task reported: id → JSON. */
  readonly progress: string;
  /** Indexes (0–8) of the paused streams. */
  readonly paused: string;

  /**
   * @param tag - the shard's hash tag, braces included (`{tasks}`, `{tasks:1}`).
   * @param index - the shard's number (0 for the only shard of an app with one).
   */
  constructor(
    readonly tag: string,
    readonly index: number,
  ) {
    const streams: string[] = [];
    for (const size of SIZES)
      for (const priority of PRIORITIES)
        streams[streamIndex(priority, size)] = this.key('stream', priority, size);
    this.streams = streams;
    this.delayed = this.key('delayed');
    this.delayedData = this.key('delayed', 'data');
    this.dlq = this.key('dlq');
    this.dlqData = this.key('dlq', 'data');
    this.events = this.key('events');
    this.live = this.key('live');
    this.cancels = this.key('cancels');
    this.progress = this.key('progress');
    this.paused = this.key('paused');
  }

  /** A key of this shard: its tag and the escaped segments. */
  key(...segments: string[]): string {
    return [this.tag, ...segments.map(escapeKeySegment)].join(':');
  }

  stream(priority: Priority, size: Size): string {
    return this.streams[streamIndex(priority, size)] as string;
  }

  /** The three streams of a size, most urgent first. */
  streamsOfSize(size: Size): string[] {
    return PRIORITIES.map((p) => this.stream(p, size));
  }

  result(taskId: string): string {
    return this.key('result', taskId);
  }

  /** Exists while someone waits for the result; also the pub/sub channel of its completion. */
  resultWait(taskId: string): string {
    return this.key('result', taskId, 'wait');
  }

  reclaimGuard(stream: string): string {
    return `${stream}:reclaim`;
  }

  /** Tasks refused by the lock `lockKey`, waiting for a run that releases it to wake them. */
  parked(lockKey: string): string {
    return this.key('parked', lockKey);
  }

  /** Wake-ups left by releases that found nobody parked on `lockKey` (expire in 2 s). */
  parkedTokens(lockKey: string): string {
    return this.key('parked', lockKey, 'tokens');
  }

  /** Recently finished tasks with `status` (`succeeded`, `failed`, `cancelled`), by finish time. */
  history(status: 'succeeded' | 'failed' | 'cancelled'): string {
    return this.key('history', status);
  }

  /** A de-duplication key's holder (the id of the task submitted with it), for its window. */
  dedup(key: string): string {
    return this.key('dedup', key);
  }

  /** The state of a fan-in group. */
  groupState(groupId: string): string {
    return this.key('group', groupId);
  }

  /** Index of fan-in groups (sorted set: group id → when its state expires, ms), for listing without a scan. */
  groupIndex(): string {
    return this.key('groups');
  }
}

/** FNV-1a, 32 bits, of a string's UTF-16 code units: stable across processes and versions. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * Every key of one app. With one shard (the default) they all share one hash tag (the prefix,
 * e.g. `{tasks}`) — one app lives in one Cluster slot, like a BullMQ queue. With `shards: N`
 * the task state is split over N tags (`{tasks:0}` … `{tasks:N-1}`, each with a `:k` suffix
 * when needed to spread their slots evenly: see `shardTag`); a task's shard follows
 * from its id (`shardOf`), so any process finds it without a search. The app-wide keys (the
 * worker registry, the scheduler's timetable and lease, the layout marker) live on shard 0,
 * the home shard; this object is the home shard's keys as well.
 */
export class Keyspace extends ShardKeys {
  /** The prefix as given. */
  readonly prefix: string;
  /** The app's base hash tag (`{prefix}`): task locks live under it by default. */
  readonly root: string;
  /** Every shard's keys; shard 0 is this object's own. */
  readonly shards: readonly ShardKeys[];
  /** The layout marker (under the base tag, whatever the shard count): the app's shard count. */
  readonly layout: string;
  readonly workers: string;
  /** The pub/sub channel workers hear cancel and pause requests on. */
  readonly control: string;
  readonly schedulerLeader: string;
  readonly schedulerFence: string;
  readonly schedulerNext: string;
  readonly schedulerSkipped: string;

  constructor(prefix: string, shardCount = 1) {
    const root = rootOf(prefix);
    if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > MAX_SHARDS)
      throw new TaskConfigError('shards', `must be an integer from 1 to ${MAX_SHARDS}, got ${shardCount}`);
    if (shardCount > 1 && !root.endsWith('}'))
      throw new TaskConfigError(
        'prefix',
        `${JSON.stringify(prefix)}: with shards, a hash-tagged prefix must end with its tag`,
      );
    const tagOf = (i: number): string => (shardCount === 1 ? root : shardTag(root, i, shardCount));
    super(tagOf(0), 0);
    this.prefix = prefix;
    this.root = root;
    this.shards = [
      this,
      ...Array.from({ length: shardCount - 1 }, (_, i) => new ShardKeys(tagOf(i + 1), i + 1)),
    ];
    this.layout = `${root}:layout`;
    this.workers = this.key('workers');
    this.control = this.key('control');
    this.schedulerLeader = this.key('scheduler', 'leader');
    this.schedulerFence = this.key('scheduler', 'fence');
    this.schedulerNext = this.key('scheduler', 'next');
    this.schedulerSkipped = this.key('scheduler', 'skipped');
  }

  /** The shard a task id (or shard key) belongs to. */
  shardOf(idOrShardKey: string): number {
    return this.shards.length === 1 ? 0 : fnv1a(idOrShardKey) % this.shards.length;
  }

  /** A new random task id (a UUID) that belongs to `shard` (any shard when omitted). */
  newId(shard?: number): string {
    for (;;) {
      const id = randomUUID();
      if (shard === undefined || this.shards.length === 1 || this.shardOf(id) === shard) return id;
    }
  }

  /** The keys of the shard a task id belongs to. */
  of(taskId: string): ShardKeys {
    return this.shards[this.shardOf(taskId)] as ShardKeys;
  }
}

/**
 * The hash tag of shard `index` of `count`: `{prefix:i}`, or `{prefix:i:k}` with the smallest
 * `k` that puts its slot in the i-th `count`-th of the slot space. A cluster whose masters
 * hold equal, contiguous slot ranges (what `redis-cli --cluster create` makes) then has one
 * shard per master when `count` equals the number of masters, or an equal share each when
 * `count` is a multiple of it. Pure arithmetic: every process finds the same tags.
 */
function shardTag(root: string, index: number, count: number): string {
  const base = root.slice(0, -1);
  for (let k = 0; ; k++) {
    const tag = k === 0 ? `${base}:${index}}` : `${base}:${index}:${k}}`;
    if (Math.floor((keySlot(tag) * count) / 16_384) === index) return tag;
  }
}

function rootOf(prefix: string): string {
  if (prefix === '') throw new TaskConfigError('prefix', 'must not be empty');
  assertValidPrefix(prefix);
  const tag = hashTag(prefix);
  if (tag === null && /[{}]/.test(prefix))
    throw new TaskConfigError('prefix', `${JSON.stringify(prefix)} has a brace but no hash tag`);
  return tag !== null ? prefix : `{${prefix}}`;
}
