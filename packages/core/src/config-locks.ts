// Configuration → locks: the limits configured per object type and id, applied to the locks a
// task takes. One function, so that the registry's `locksOf` stays a thin call.
import {
  ConcurrencyLimiter,
  LockedObjectType,
  RateLimiter,
  type BaseLock,
  type LockedObjectType as ObjectType,
} from '@tasks/locks';
import type { ConfiguredLimits } from './config.js';

/** The object a lock or limiter is about: `(obj, key, ...extraKeys)` under a key prefix. */
interface Target {
  readonly obj: ObjectType;
  readonly key: string | number;
  readonly extraKeys: ReadonlyArray<string | number>;
  readonly prefix: string;
}

const idOf = (t: Target): string => JSON.stringify([t.obj, String(t.key), t.extraKeys.map(String), t.prefix]);

/**
 * @internal The locks a task runs under once configuration is applied. For every object the
 * task locks — each distinct `(obj, key, extraKeys)` of its `executionLocks`, and always
 * `(TASK, taskName)` — the limits configured for `limits.<obj>.<key>` (else `.default`) replace
 * the task's own `RateLimiter` / `ConcurrencyLimiter` on that object, or are added on it when it
 * has none; a limit configured as `null` removes the task's limiter. Nothing configured: the
 * task's own locks, unchanged.
 *
 * @param limitsOf - the configured limits of `(objectType, objectId)` (for the task's VO).
 */
export function applyConfiguredLimits(
  locks: readonly BaseLock[],
  taskName: string,
  limitsOf: (objectType: string, objectId: string | number) => ConfiguredLimits,
): BaseLock[] {
  let out = [...locks];
  for (const target of targetsOf(locks, taskName)) {
    const limits = limitsOf(target.obj, target.key);
    if (limits.rateLimit !== undefined) out = replaceRate(out, target, limits.rateLimit);
    if (limits.concurrencyLimit !== undefined) out = replaceConcurrency(out, target, limits.concurrencyLimit);
  }
  return out;
}

/** Distinct objects of the locks, then `(TASK, taskName)` (with the extra keys of the task's own lock on it). */
function targetsOf(locks: readonly BaseLock[], taskName: string): Target[] {
  const own = locks.find((lock) => lock.obj === LockedObjectType.TASK && String(lock.key) === taskName);
  const targets = new Map<string, Target>();
  for (const target of [
    ...locks,
    own ?? { obj: LockedObjectType.TASK, key: taskName, extraKeys: [], prefix: '' },
  ])
    targets.set(idOf(target), target);
  return [...targets.values()];
}

function replaceRate(
  locks: BaseLock[],
  target: Target,
  configured: NonNullable<ConfiguredLimits['rateLimit']> | null,
): BaseLock[] {
  const existing = locks.find((l): l is RateLimiter => l instanceof RateLimiter && idOf(l) === idOf(target));
  const kept = locks.filter((l) => !(l instanceof RateLimiter && idOf(l) === idOf(target)));
  if (configured === null) return kept;
  const { obj, key, extraKeys, prefix } = target;
  const nItems = existing?.nItems ?? 1;
  return [...kept, new RateLimiter(obj, key, { extraKeys, prefix, nItems, ...configured })];
}

function replaceConcurrency(locks: BaseLock[], target: Target, limit: number | null): BaseLock[] {
  const existing = locks.find(
    (l): l is ConcurrencyLimiter => l instanceof ConcurrencyLimiter && idOf(l) === idOf(target),
  );
  const kept = locks.filter((l) => !(l instanceof ConcurrencyLimiter && idOf(l) === idOf(target)));
  if (limit === null) return kept;
  const { obj, key, extraKeys, prefix } = target;
  const ttl = existing ? { ttlMs: existing.ttlMs } : {};
  return [...kept, new ConcurrencyLimiter(obj, key, { extraKeys, prefix, limit, ...ttl })];
}
