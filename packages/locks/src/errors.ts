import { TasksError } from '@tasks/redis';

/** A `LockedObjectType` name that was never registered. */
export class UnknownLockedObjectTypeError extends TasksError {
  readonly typeName: string;
  constructor(typeName: string, registered: readonly string[]) {
    super(
      'UNKNOWN_LOCKED_OBJECT_TYPE',
      `Unknown LockedObjectType '${typeName}'. Registered types: [${registered.join(', ')}]. ` +
        `Register it first with registerLockedObjectType('${typeName}').`,
    );
    this.name = 'UnknownLockedObjectTypeError';
    this.typeName = typeName;
  }
}

/** `registerLockedObjectType` called twice with one name. */
export class DuplicateLockedObjectTypeError extends TasksError {
  readonly typeName: string;
  constructor(typeName: string) {
    super('DUPLICATE_LOCKED_OBJECT_TYPE', `LockedObjectType '${typeName}' is already registered`);
    this.name = 'DuplicateLockedObjectTypeError';
    this.typeName = typeName;
  }
}

/** A lock or limiter option that cannot work (a non-positive TTL, a fractional limit, ...). */
export class InvalidLockOptionsError extends TasksError {
  readonly option: string;
  constructor(option: string, message: string) {
    super('INVALID_LOCK_OPTIONS', `Invalid lock option '${option}': ${message}`);
    this.name = 'InvalidLockOptionsError';
    this.option = option;
  }
}

/** A rate-limiter acquire asking for more units than the limit: it could never succeed. */
export class RateLimitExceededCapacityError extends TasksError {
  readonly key: string;
  readonly nItems: number;
  readonly limit: number;
  constructor(key: string, nItems: number, limit: number) {
    super(
      'RATE_LIMIT_CAPACITY',
      `RateLimiter ${key} asks for ${nItems} units per acquire but its limit is ${limit} per window: ` +
        'it can never be acquired. Lower nItems or raise the limit.',
    );
    this.name = 'RateLimitExceededCapacityError';
    this.key = key;
    this.nItems = nItems;
    this.limit = limit;
  }
}

/** `hold()` (or a waiting acquire through it) could not get every lock in time. */
export class LockUnavailableError extends TasksError {
  readonly key: string;
  readonly retryAfterMs: number | null;
  constructor(key: string, retryAfterMs: number | null) {
    super(
      'LOCK_UNAVAILABLE',
      `Could not acquire lock ${key}${retryAfterMs ? ` (free again in ~${retryAfterMs} ms)` : ''}`,
    );
    this.name = 'LockUnavailableError';
    this.key = key;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The reason of the `AbortSignal` a watchdog aborts when a lease could not be kept. */
export class LockLostError extends TasksError {
  readonly key: string;
  readonly ownerId: string;
  constructor(key: string, ownerId: string, cause?: unknown) {
    super('LOCK_LOST', `Lost lock ${key} (owner ${ownerId}): its lease expired or was taken over`, { cause });
    this.name = 'LockLostError';
    this.key = key;
    this.ownerId = ownerId;
  }
}
