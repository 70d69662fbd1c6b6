// Option checks shared by the lock classes: each names the option and what it must be.
import { InvalidLockOptionsError } from './errors.js';

/** The default lease of every lock and limiter with a lease, in ms. */
export const DEFAULT_LOCK_TTL_MS = 30_000;

/** @internal `ttlMs` (default {@link DEFAULT_LOCK_TTL_MS}): a positive integer. */
export function checkTtl(ttlMs: number | undefined): number {
  const ttl = ttlMs ?? DEFAULT_LOCK_TTL_MS;
  return checkPositiveInteger('ttlMs', ttl);
}

/** @internal A positive integer option. */
export function checkPositiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new InvalidLockOptionsError(name, `must be a positive integer, got ${value}`);
  return value;
}

/** @internal A limit: a positive integer, or `null` (disabled). */
export function checkLimit(name: string, value: number | null): number | null {
  if (value !== null && (!Number.isInteger(value) || value <= 0)) {
    throw new InvalidLockOptionsError(name, `must be a positive integer or null, got ${value}`);
  }
  return value;
}

/** @internal A window length in seconds: a positive finite number, or `null` (disabled). */
export function checkWindowSeconds(value: number | null): number | null {
  if (value !== null && (!Number.isFinite(value) || value <= 0)) {
    throw new InvalidLockOptionsError('windowSeconds', `must be a positive number or null, got ${value}`);
  }
  return value;
}

/** @internal `waitMs` of an acquire (default 0): a non-negative finite number. */
export function checkWaitMs(waitMs: number | undefined): number {
  const value = waitMs ?? 0;
  if (!Number.isFinite(value) || value < 0)
    throw new InvalidLockOptionsError('waitMs', `must be a non-negative number, got ${value}`);
  return value;
}

/** @internal A duration that may be 0 (off): a non-negative integer. */
export function checkNonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidLockOptionsError(name, `must be a non-negative integer, got ${value}`);
  return value;
}
