export {
  acquireAll,
  acquisitionOrder,
  releaseAll,
  type AcquireAllOptions,
  type AcquireAllOutcome,
} from './acquire-all.js';
export { BaseLimiter, BaseLock, type AcquireAllResult } from './base-lock.js';
export {
  DuplicateLockedObjectTypeError,
  InvalidLockOptionsError,
  LockLostError,
  LockUnavailableError,
  RateLimitExceededCapacityError,
  UnknownLockedObjectTypeError,
} from './errors.js';
export { hold, holdLocks, type HeldLocks, type HoldOptions } from './hold/hold.js';
export { startWatchdog, type Watchdog, type WatchdogOptions } from './hold/watchdog.js';
export { inspectLockKey, listLocks, type LockInfo } from './inspect.js';
export { lockKeys, lockKindOf, lockRedisKey, type LockKeys, type LockKind } from './keys.js';
export { MutexLock, type MutexLockOptions } from './mutex/mutex-lock.js';
export {
  LockedObjectType,
  lockedObjectType,
  registerLockedObjectType,
  registeredLockedObjectTypes,
} from './object-types.js';
export { RateLimiter, type RateLimiterOptions } from './rate/rate-limiter.js';
export {
  DEFAULT_WRITER_INTENT_MS,
  ExclusiveRWLock,
  SharedRWLock,
  type ExclusiveRWLockOptions,
  type RWLockOptions,
  type SharedRWLockOptions,
} from './rw/rw-lock.js';
export { ConcurrencyLimiter, type ConcurrencyLimiterOptions } from './semaphore/concurrency-limiter.js';
export type { AcquireOptions, LockHolder, LockLike, LockMetadata, LockOptions, LockRole } from './types.js';
export { LOCKS_TELEMETRY_SCOPE } from './telemetry.js';
export { DEFAULT_LOCK_TTL_MS } from './validation.js';
