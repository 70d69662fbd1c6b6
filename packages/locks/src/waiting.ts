import type { RedisAdapter, Unsubscribe } from '@tasks/redis';
import type { Attempt, BaseLock } from './base-lock.js';

/**
 * The waiters of this process, by wake channel and owner id: a release that hands the lock to
 * one of them wakes it as soon as its reply arrives, without waiting for the pub/sub message
 * (which still comes, and is then ignored).
 */
const localWaiters = new Map<string, (message: string) => void>();

/** @internal Delivers a hand-off ("owner|token") to its waiter if that waiter is in this process. */
export function handOverLocally(channel: string, message: string): void {
  const bar = message.indexOf('|');
  if (bar > 0) localWaiters.get(`${channel}\n${message.slice(0, bar)}`)?.(message);
}

/** A waiter's place in line lasts this long unless renewed by its next attempt. */
export const WAIT_LEASE_MS = 2_000;
/** Longest sleep between attempts when no notification arrives (lost message, crashed holder). */
const MAX_POLL_MS = 250;

/**
 * After a refused `first` attempt: wait for the release notification and try again until
 * the deadline. Waiters join the lock's line, so a mutex is handed over in arrival order.
 */
export async function acquireWithWait(
  lock: BaseLock,
  redis: RedisAdapter,
  waitMs: number,
  signal: AbortSignal | undefined,
  metadata: string,
  first: Attempt,
): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  const wake = new Wake();
  const channel = lock.wakeChannel;
  let unsubscribe: Unsubscribe | undefined;
  let granted = false;
  const onAbort = (): void => wake.fire();
  signal?.addEventListener('abort', onAbort, { once: true });
  const onMessage = (message: string): void => {
    if (lock.wakes(message)) wake.fire();
    else if (lock.handoff(message)) {
      granted = true;
      wake.fire();
    }
  };
  const localKey = `${channel}\n${lock.ownerId}`;
  try {
    if (channel) {
      localWaiters.set(localKey, onMessage);
      unsubscribe = await redis.subscribe(channel, onMessage);
    }
    let hint = first.retryAfterMs;
    for (;;) {
      const attempt = await lock.attempt(redis, WAIT_LEASE_MS, metadata);
      if (settle(lock, attempt) || granted) return true;
      hint = attempt.retryAfterMs ?? hint;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal?.aborted) break;
      const pause = channel
        ? Math.min(MAX_POLL_MS, hint && hint > 0 ? hint : MAX_POLL_MS)
        : Math.max(hint ?? MAX_POLL_MS, 1);
      await wake.wait(Math.min(pause, remaining));
      if (granted) return true;
    }
    // Out of time (or aborted): leave the line; the lock may have been handed over just now.
    if (await lock.cancelWait(redis)) granted = true;
    if (signal?.aborted) {
      if (granted) await lock.release(redis);
      throw signal.reason;
    }
    return granted;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (channel) localWaiters.delete(localKey);
    if (unsubscribe) await unsubscribe();
  }
}

/** @internal Records an attempt's `retryAfterMs` on the lock; true when it acquired. */
export function settle(lock: BaseLock, attempt: Attempt): boolean {
  lock.retryAfterMs = attempt.acquired ? null : attempt.retryAfterMs;
  return attempt.acquired;
}

/** A one-shot-at-a-time wake-up: `wait(ms)` resolves on `fire()` or after `ms`. */
class Wake {
  #resolve: (() => void) | undefined;
  #pending = false;

  fire(): void {
    if (this.#resolve) this.#resolve();
    else this.#pending = true;
  }

  wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#resolve = done;
    });
  }
}
