export {
  acquireAll,
  acquisitionOrder,
  releaseAll,
  type AcquireAllOptions,
  type AcquireAllResult,
} from './acquire-all.js';
export {
  BaseLimiter,
  BaseLock,
  DEFAULT_LOCK_TTL_MS,
  type AcquireOptions,
  type Attempt,
  type LockHolder,
  type LockOptions,
} from './base-lock.js';
export { ConcurrencyLimiter, type ConcurrencyLimiterOptions } from './concurrency-limiter.js';
export {
  DuplicateLockedObjectTypeError,
  InvalidLockOptionsError,
  LockLostError,
  LockUnavailableError,
  RateLimitExceededCapacityError,
  UnknownLockedObjectTypeError,
} from './errors.js';
export { MutexLock, type MutexLockOptions } from './mutex-lock.js';
export {
  LockedObjectType,
  lockedObjectType,
  registerLockedObjectType,
  registeredLockedObjectTypes,
} from './object-types.js';
export { RateLimiter, type RateLimiterOptions } from './rate-limiter.js';
export { ExclusiveRWLock, SharedRWLock, type RWLockOptions, type SharedRWLockOptions } from './rw-lock.js';
export {
  hold,
  holdLocks,
  startWatchdog,
  type HeldLocks,
  type HoldOptions,
  type Watchdog,
  type WatchdogOptions,
} from './watchdog.js';
export { inspectLockKey, listLocks, lockKindOf, type LockInfo, type LockKind } from './inspect.js';
