import type { RedisAdapter } from '@tasks/redis';
import {
  BaseLock,
  checkTtl,
  parseAttempt,
  type Attempt,
  type LockHolder,
  type LockOptions,
} from './base-lock.js';
import { readLeases } from './inspect-helpers.js';
import type { LockedObjectType } from './object-types.js';
import { LEASE_EXTEND, LEASE_RELEASE, RW_READ_ACQUIRE, RW_WRITE_ACQUIRE, WAIT_CANCEL } from './scripts.js';

/** Options of {@link ExclusiveRWLock} and {@link SharedRWLock}. */
export interface RWLockOptions extends LockOptions {
  /** Lease length in ms (each reader and the writer has its own lease). Default 30 000. */
  readonly ttlMs?: number;
}

/** Options of {@link SharedRWLock}. */
export interface SharedRWLockOptions extends RWLockOptions {
  /**
   * Writer preference: while a writer waits (with `waitMs`), new readers are refused so
   * writers cannot starve. Default true.
   */
  readonly preferWriters?: boolean;
}

/** Shared machinery of both sides of the readers-writer lock on `lock:rw:<obj>:<key>[...]`. */
abstract class RWLockSide extends BaseLock {
  readonly #ttlMs: number;
  protected readonly keys: readonly string[];

  constructor(obj: LockedObjectType, key: string | number, options: RWLockOptions) {
    super(['lock', 'rw'], obj, key, options);
    this.#ttlMs = checkTtl(options.ttlMs);
    this.keys = [
      this.redisKey,
      this.companion('fence'),
      this.companion('writers'),
      this.companion('readers'),
      this.companion('meta'),
    ];
  }

  override get ttlMs(): number {
    return this.#ttlMs;
  }

  protected abstract get member(): string;

  override async release(redis: RedisAdapter): Promise<void> {
    const keys = [
      this.redisKey,
      this.companion('writers'),
      this.companion('readers'),
      this.companion('meta'),
    ];
    await redis.evalScript(LEASE_RELEASE, keys, [this.member, this.ownerId, this.wakeChannel ?? '', 'all']);
  }

  override async extend(redis: RedisAdapter): Promise<boolean> {
    const sign = this.member.startsWith('w:') ? -1 : 1;
    const keys = [this.redisKey, this.companion('meta')];
    return (await redis.evalScript(LEASE_EXTEND, keys, [this.member, this.#ttlMs, sign])) === 1;
  }

  override async cancelWait(redis: RedisAdapter): Promise<boolean> {
    await redis.evalScript(
      WAIT_CANCEL,
      [this.companion('writers'), this.companion('readers')],
      [this.ownerId],
    );
    return false;
  }

  override inspect(redis: RedisAdapter): Promise<LockHolder[]> {
    return readLeases(redis, this.redisKey, this.companion('meta'), (member) => ({
      ownerId: member.slice(2),
      role: member.startsWith('w:') ? 'writer' : 'reader',
    }));
  }
}

/**
 * The writer side of a readers-writer lock: acquired only when no live reader and no other
 * writer holds `lock:rw:<obj>:<key>[...]`. Yields a {@link ExclusiveRWLock.fencingToken}.
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

  constructor(obj: LockedObjectType, key: string | number, options: RWLockOptions = {}) {
    super(obj, key, options);
  }

  protected override get member(): string {
    return `w:${this.ownerId}`;
  }

  override async attempt(redis: RedisAdapter, waitLeaseMs: number, metadata: string): Promise<Attempt> {
    const attempt = parseAttempt(
      await redis.evalScript(RW_WRITE_ACQUIRE, this.keys, [this.ownerId, this.ttlMs, waitLeaseMs, metadata]),
    );
    if (attempt.acquired) this.fencingToken = attempt.token;
    return attempt;
  }
}

/**
 * The reader side of a readers-writer lock: any number of readers while no writer holds
 * the same key. Unlike the original, every reader holds its own lease (owner + expiry), so
 * a crashed reader is reclaimed after `ttlMs`; readers `extend()`; release is idempotent;
 * waiting writers block new readers (writer preference) unless `preferWriters: false`.
 */
export class SharedRWLock extends RWLockSide {
  readonly #prefer: boolean;

  constructor(obj: LockedObjectType, key: string | number, options: SharedRWLockOptions = {}) {
    super(obj, key, options);
    this.#prefer = options.preferWriters ?? true;
  }

  protected override get member(): string {
    return `r:${this.ownerId}`;
  }

  override async attempt(redis: RedisAdapter, waitLeaseMs: number, metadata: string): Promise<Attempt> {
    const args = [this.ownerId, this.ttlMs, waitLeaseMs, metadata, this.#prefer ? '1' : '0'];
    return parseAttempt(await redis.evalScript(RW_READ_ACQUIRE, this.keys, args));
  }
}
