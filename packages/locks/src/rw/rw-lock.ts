import type { RedisAdapter, ScriptKeyList } from '@tasks/redis';
import { BaseLock } from '../base-lock.js';
import { readLeases, rwRole } from '../holders.js';
import { LEASE_EXTEND } from '../lua/lease-scripts.js';
import type { LockedObjectType } from '../object-types.js';
import { OWNER_HOST } from '../owner-id.js';
import type { Attempt, AttemptOptions, LockHolder, LockOptions } from '../types.js';
import { checkNonNegativeInteger, checkTtl } from '../validation.js';
import { handOverLocally } from '../waiting/hub.js';
import { RW_CANCEL, RW_READ_ACQUIRE, RW_RELEASE, RW_WRITE_ACQUIRE } from './scripts.js';

/** Options of {@link ExclusiveRWLock} and {@link SharedRWLock}. */
export interface RWLockOptions extends LockOptions {
  /** Lease length in ms (each reader and the writer has its own lease). Default 30 000. */
  readonly ttlMs?: number;
}

/** Options of {@link ExclusiveRWLock}. */
export interface ExclusiveRWLockOptions extends RWLockOptions {
  /**
   * A writer refused by readers without waiting (no `waitMs`: it will retry later, as the task
   * worker does) registers its intent for this long, renewed by each refused attempt and cleared when
   * it acquires. While an intent lives, new readers that prefer writers are refused, so a steady
   * stream of readers cannot starve a writer that retries. Choose it longer than the writer's
   * retry interval. `0` turns it off. Default {@link DEFAULT_WRITER_INTENT_MS}.
   */
  readonly intentMs?: number;
}

/** Options of {@link SharedRWLock}. */
export interface SharedRWLockOptions extends RWLockOptions {
  /**
   * Writer preference: while a writer waits (with `waitMs`) or intends to write (a refused
   * non-waiting writer, see `intentMs`), new readers are refused so writers cannot starve.
   * Default true.
   */
  readonly preferWriters?: boolean;
}

/** How long a refused non-waiting writer keeps new readers out (ms): 5 s. */
export const DEFAULT_WRITER_INTENT_MS = 5_000;

/** @internal The keys of the readers-writer scripts. */
type RWKeys = ScriptKeyList<(typeof RW_WRITE_ACQUIRE.keyNames)[number]>;

/** Shared machinery of both sides of the readers-writer lock on `lock:rw:<obj>:<key>[...]`. */
abstract class RWLockSide extends BaseLock {
  readonly #ttlMs: number;
  #scriptKeys: RWKeys | undefined;
  /** Whether an acquire of this instance stored owner metadata (release then drops it). */
  protected hasMetadata = false;

  constructor(obj: LockedObjectType, key: string | number, options: RWLockOptions) {
    super('rw', obj, key, options);
    this.#ttlMs = checkTtl(options.ttlMs);
  }

  override get ttlMs(): number {
    return this.#ttlMs;
  }

  /** @internal */
  override get wakeChannel(): string {
    return this.keys.wake;
  }

  /** @internal This owner's member of the lease ZSET: `w:<owner>` or `r:<owner>`. */
  protected abstract get member(): string;

  /** @internal The keys of every RW script, built on first use. */
  protected get scriptKeys(): RWKeys {
    return (this.#scriptKeys ??= RW_WRITE_ACQUIRE.keyList({ ...this.keys, lock: this.keys.main }));
  }

  override async release(redis: RedisAdapter): Promise<void> {
    const { grants } = await RW_RELEASE.run(redis, this.scriptKeys, {
      member: this.member,
      owner: this.ownerId,
      channel: this.keys.wake,
      host: OWNER_HOST,
      dropMeta: this.hasMetadata ? 1 : 0,
    });
    handOverLocally(this.keys.wake, grants);
  }

  override extend(redis: RedisAdapter): Promise<boolean> {
    const member = this.member;
    return LEASE_EXTEND.run(
      redis,
      { holders: this.keys.main, meta: this.keys.meta },
      { member, owner: this.ownerId, ttlMs: this.#ttlMs, sign: member.startsWith('w:') ? -1 : 1 },
    );
  }

  /** @internal */
  override async cancelWait(redis: RedisAdapter): Promise<boolean> {
    const { held, grants } = await RW_CANCEL.run(redis, this.scriptKeys, {
      owner: this.ownerId,
      member: this.member,
      channel: this.keys.wake,
      host: OWNER_HOST,
    });
    handOverLocally(this.keys.wake, grants);
    return held;
  }

  override inspect(redis: RedisAdapter): Promise<LockHolder[]> {
    return readLeases(redis, this.keys, rwRole);
  }
}

/**
 * The writer side of a readers-writer lock: acquired only when no live reader and no other
 * writer holds `lock:rw:<obj>:<key>[...]`, and no writer is ahead of it in line. Yields a
 * {@link ExclusiveRWLock.fencingToken}. Waiting writers are served first come, first served,
 * ahead of waiting readers; a writer refused by readers that does not wait registers its intent
 * (see `intentMs`), which keeps new readers out until it retries.
 *
 * @example
 * ```ts
 * const writer = new ExclusiveRWLock(LockedObjectType.TRANSFORMATION, 42);
 * if (await writer.acquire(redis, { waitMs: 10_000 })) { try { await rewrite(); } finally { await writer.release(redis); } }
 * ```
 */
export class ExclusiveRWLock extends RWLockSide {
  /** The fencing token of the last successful acquire, or `null`. */
  fencingToken: number | null = null;
  /** How long a refused non-waiting attempt keeps new readers out, in ms (0 = off). */
  readonly intentMs: number;

  constructor(obj: LockedObjectType, key: string | number, options: ExclusiveRWLockOptions = {}) {
    super(obj, key, options);
    this.intentMs = checkNonNegativeInteger('intentMs', options.intentMs ?? DEFAULT_WRITER_INTENT_MS);
  }

  /** @internal */
  protected override get member(): string {
    return `w:${this.ownerId}`;
  }

  /** @internal */
  override async attempt(redis: RedisAdapter, options: AttemptOptions): Promise<Attempt> {
    if (options.metadata !== '') this.hasMetadata = true;
    const { attempt, grants } = await RW_WRITE_ACQUIRE.run(redis, this.scriptKeys, {
      owner: this.ownerId,
      ttlMs: this.ttlMs,
      placeMs: options.waitLeaseMs,
      metadata: options.metadata,
      channel: this.keys.wake,
      host: OWNER_HOST,
      intentMs: this.intentMs,
    });
    handOverLocally(this.keys.wake, grants);
    if (attempt.acquired) this.fencingToken = attempt.token;
    return attempt;
  }

  /** @internal */
  protected override received(token: number): void {
    this.fencingToken = token;
  }
}

/**
 * The reader side of a readers-writer lock: any number of readers while no writer holds
 * the same key. Every reader holds its own lease (owner + expiry), so a crashed reader is
 * reclaimed after `ttlMs`; readers `extend()`; release is idempotent.
 * Writer preference (default): a waiting or intending writer keeps new readers out; waiting
 * readers are let in together once no writer holds, waits or intends to.
 *
 * @example
 * ```ts
 * const reader = new SharedRWLock(LockedObjectType.TRANSFORMATION, 42);
 * if (await reader.acquire(redis, { waitMs: 10_000 })) { try { await read(); } finally { await reader.release(redis); } }
 * ```
 */
export class SharedRWLock extends RWLockSide {
  /** Whether waiting or intending writers keep this reader out. */
  readonly preferWriters: boolean;

  constructor(obj: LockedObjectType, key: string | number, options: SharedRWLockOptions = {}) {
    super(obj, key, options);
    this.preferWriters = options.preferWriters ?? true;
  }

  /** @internal */
  protected override get member(): string {
    return `r:${this.ownerId}`;
  }

  /** @internal */
  override async attempt(redis: RedisAdapter, options: AttemptOptions): Promise<Attempt> {
    if (options.metadata !== '') this.hasMetadata = true;
    const { attempt, grants } = await RW_READ_ACQUIRE.run(redis, this.scriptKeys, {
      owner: this.ownerId,
      ttlMs: this.ttlMs,
      placeMs: options.waitLeaseMs,
      metadata: options.metadata,
      channel: this.keys.wake,
      host: OWNER_HOST,
      preferWriters: this.preferWriters ? 1 : 0,
    });
    handOverLocally(this.keys.wake, grants);
    return attempt;
  }
}
