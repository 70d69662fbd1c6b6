import type { RedisAdapter } from '@tasks/redis';
import type { Brokers } from './brokers.js';
import type { DeadLetterForwarder } from './dlq-forwarder.js';
import { RedisDeadLetterStore } from './dlq-redis-store.js';
import { DLQ_RESUBMIT } from './dlq-scripts.js';
import type { DeadLetterEntry, DeadLetterFilter, DeadLetterQuery, DeadLetterStore } from './dlq-store.js';
import { DeadLetterNotFoundError, DeadLetterReplayError } from './errors.js';
import { encodeEvent } from './events.js';
import type { Keyspace } from './keys.js';
import { decodePayload, type TaskPayload } from './payload.js';
import type { TaskRegistry } from './registry.js';
import type { Submitter } from './submitter.js';
import type { TaskHandle } from './task.js';

export type { DeadLetterEntry } from './dlq-store.js';

/**
 * How long a replay claim protects an entry, in ms: a second replay within it is refused; after
 * it (the first replayer died between its claim and its submit) the replay is resumed under
 * the same task id.
 */
const REPLAY_CLAIM_STALE_MS = 30_000;

/**
 * The dead-letter queue: tasks that exhausted their retries (when `dlqEligible`), poison
 * entries over the delivery cap, undecodable entries and unknown task names — each with its
 * reason and its outcome record. Nothing is acked and lost: tasks are dead-lettered in Redis
 * atomically with their ack. By default the queue stays there; with `deadLetterStore` (e.g.
 * `@tasks/dlq-postgres`) entries are forwarded to that store, and every method here first
 * forwards what Redis still holds, then reads the store — so entries waiting in Redis are
 * listed too, and a store that is down makes these methods throw its error (the entries stay
 * safe in Redis; `pending()` counts them).
 *
 * Made by `createTaskApp` (`app.dlq`), not constructed directly.
 *
 * @example
 * ```ts
 * for (const entry of await app.dlq.list({ taskName: 'SendEmail', limit: 20 })) {
 *   console.log(entry.id, entry.reason, entry.errors.at(-1)?.message);
 * }
 * const handle = await app.dlq.replay(entryId); // a new task, a new attempt series
 * ```
 */
export class DeadLetterQueue {
  readonly #redisStore: RedisDeadLetterStore;
  readonly #store: DeadLetterStore;
  readonly #forwarder: DeadLetterForwarder | null;

  /** @internal Made by `createTaskApp` (`app.dlq`). */
  constructor(
    private readonly redis: RedisAdapter,
    private readonly keys: Keyspace,
    private readonly brokers: Brokers,
    private readonly registry: TaskRegistry,
    private readonly submitter: Submitter,
    private readonly handle: (id: string) => TaskHandle<unknown>,
    external: { readonly store: DeadLetterStore; readonly forwarder: DeadLetterForwarder } | null = null,
  ) {
    this.#redisStore = new RedisDeadLetterStore(redis, keys);
    this.#store = external?.store ?? this.#redisStore;
    this.#forwarder = external?.forwarder ?? null;
  }

  /** The store the entries are kept in (the Redis store unless `deadLetterStore` was given). */
  get store(): DeadLetterStore {
    return this.#store;
  }

  /** How many entries it holds (matching the filter; not replayed ones by default). */
  async size(filter: DeadLetterFilter = {}): Promise<number> {
    await this.forward();
    return this.#store.size(filter);
  }

  /** A page of entries, oldest first, filtered by task name, reason prefix, time range. */
  async list(query: DeadLetterQuery = {}): Promise<DeadLetterEntry[]> {
    await this.forward();
    return this.#store.list(query);
  }

  /** One entry (the newest with this id), or `null`. */
  async get(id: string): Promise<DeadLetterEntry | null> {
    await this.forward();
    return this.#store.get(id);
  }

  /**
   * Moves the entries still in Redis to the external store now (what the background forwarder
   * of workers and schedulers does); returns how many moved — 0 without an external store.
   * @throws the store's error when it is unreachable (the entries stay in Redis).
   */
  async forward(): Promise<number> {
    return this.#forwarder ? this.#forwarder.drain() : 0;
  }

  /** Entries dead-lettered in Redis and not yet forwarded to the external store (0 without one). */
  async pending(): Promise<number> {
    return this.#forwarder ? this.#redisStore.size() : 0;
  }

  /**
   * Submits the entry's task again as a new attempt series (new task id, attempt 0, labelled
   * `replayOf`), on the stream its class and configuration give it today, and marks the entry
   * replayed (the Redis store removes it). The entry is first claimed under the new task id,
   * which the task is then queued under (Redis refuses an id that is live or finished), so a
   * replay is neither lost nor doubled: of two concurrent replays one wins and the other gets
   * `DeadLetterNotFoundError`; a replay interrupted by a crash is resumed, under the same task
   * id, by a replay 30 s later.
   * @throws DeadLetterNotFoundError when there is no such entry (or it was just replayed, or is
   *   being replayed); DeadLetterReplayError when its payload cannot be read; UnknownTaskError
   *   for a task this app does not register.
   */
  async replay(id: string): Promise<TaskHandle<unknown>> {
    const entry = await this.get(id);
    if (!entry || entry.replayedAt !== null) throw new DeadLetterNotFoundError(id);
    let original: TaskPayload;
    try {
      original = decodePayload(entry.payload);
    } catch (error) {
      throw new DeadLetterReplayError(id, `its payload cannot be read (${(error as Error).message})`);
    }
    const task = new (this.registry.classOf(original.n))(original.a);
    // The new task goes to the shard of the entry's id (a task's id decides its shard).
    const newId = this.keys.newId(this.keys.shardOf(id));
    const claim = await this.#store.claimReplay(id, newId, REPLAY_CLAIM_STALE_MS);
    if (claim.status !== 'claimed') throw new DeadLetterNotFoundError(id);
    const payload: TaskPayload = {
      i: claim.replayTaskId,
      n: original.n,
      a: original.a,
      t: 0,
      s: Date.now(),
      l: { ...(original.l ?? {}), replayOf: original.i },
      ...(original.p ? { p: original.p } : {}),
    };
    const index = this.registry.streamOf(task);
    const event = encodeEvent('replayed', { dlqId: id, taskId: payload.i, name: payload.n });
    const shard = this.keys.of(payload.i);
    await DLQ_RESUBMIT.run(
      this.redis,
      {
        live: shard.live,
        stream: shard.streams[index] as string,
        events: shard.events,
        result: shard.result(payload.i),
      },
      {
        id: payload.i,
        index,
        payload: this.submitter.encode(payload),
        eventsMaxLen: this.brokers.options.eventsMaxLen,
        event: event.json,
      },
    );
    await this.#store.finishReplay(id, claim.entry.series);
    return this.handle(payload.i);
  }

  /** Removes one entry (or all with no id); returns how many went. */
  async purge(id?: string): Promise<number> {
    await this.forward();
    return this.#store.purge(id);
  }
}
