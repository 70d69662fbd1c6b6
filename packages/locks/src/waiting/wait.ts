// Waiting acquires, written once for every lock kind against the small Waitable contract.
// A waiter joins the lock's line, and the script that frees the lock hands it to the first
// live waiter and announces that on the lock's channel; the waiter also re-checks on a short
// poll, which renews its place and covers a lost message or a crashed holder.
import type { RedisAdapter } from '@tasks/redis';
import type { Attempt, Waitable } from '../types.js';
import { addReceiver, isListening, listen, listenNow, type StopListening } from './hub.js';
import { Wake } from './wake.js';

/** A waiter's place in line lasts this long unless renewed by its next attempt. */
export const WAIT_LEASE_MS = 2_000;
/** Longest pause between attempts when no hand-off arrives (lost message, crashed holder). */
const MAX_POLL_MS = 250;

/** @internal What a waiting acquire was asked for. */
export interface WaitRequest {
  readonly waitMs: number;
  readonly signal: AbortSignal | undefined;
  readonly metadata: string;
  /** Called when the lock is found taken (the acquire then waits). */
  readonly contended?: () => void;
}

/** @internal Records an attempt's `retryAfterMs` on the lock; true when it acquired. */
export function settle(lock: Waitable, attempt: Attempt): boolean {
  lock.retryAfterMs = attempt.acquired ? null : attempt.retryAfterMs;
  return attempt.acquired;
}

/**
 * @internal Acquires `lock`, waiting up to `request.waitMs` for it.
 * @throws the signal's reason when it aborts (after releasing a lock handed over meanwhile).
 */
export async function acquireWaiting(
  lock: Waitable,
  redis: RedisAdapter,
  request: WaitRequest,
): Promise<boolean> {
  const deadline = Date.now() + request.waitMs;
  const channel = lock.wakeChannel;
  if (channel === null) return pollUntil(lock, redis, request, deadline);
  // Already listening for another waiter of this process: join the line at once. Otherwise
  // try once outside the line first, so an uncontended acquire never subscribes.
  if (!isListening(redis, channel)) {
    const first = await lock.attempt(redis, { waitLeaseMs: 0, metadata: request.metadata });
    if (settle(lock, first)) return true;
    request.contended?.();
    if (Date.now() >= deadline) return false;
  } else request.contended?.(); // another waiter of this process is in line already
  return new LineWaiter(lock, redis, channel, request, deadline).run();
}

/** One waiting acquire in a lock's line. */
class LineWaiter {
  readonly #wake = new Wake();
  #granted = false;

  constructor(
    readonly lock: Waitable,
    readonly redis: RedisAdapter,
    readonly channel: string,
    readonly request: WaitRequest,
    readonly deadline: number,
  ) {}

  async run(): Promise<boolean> {
    const { signal } = this.request;
    const onAbort = (): void => this.#wake.fire();
    signal?.addEventListener('abort', onAbort, { once: true });
    const removeReceiver = addReceiver(this.channel, this.lock.ownerId, (message) => {
      if (this.lock.receive(message)) this.#grant();
    });
    let stopListening: StopListening | undefined;
    try {
      stopListening = listenNow(this.redis, this.channel) ?? (await listen(this.redis, this.channel));
      if (!(await this.#waitInLine())) return await this.#leave();
      if (signal?.aborted) {
        await this.lock.release(this.redis);
        throw signal.reason;
      }
      return true;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      removeReceiver();
      const unsubscribing = stopListening?.();
      if (unsubscribing) await unsubscribing;
    }
  }

  #grant(): void {
    this.#granted = true;
    this.#wake.fire();
  }

  /** Attempts (renewing the place in line) until handed the lock, out of time, or aborted. */
  async #waitInLine(): Promise<boolean> {
    const { lock, redis, request } = this;
    for (;;) {
      const attempt = await lock.attempt(redis, { waitLeaseMs: WAIT_LEASE_MS, metadata: request.metadata });
      if (settle(lock, attempt) || this.#granted) return this.#done();
      const remaining = this.deadline - Date.now();
      if (remaining <= 0 || request.signal?.aborted) return false;
      const hint = attempt.retryAfterMs;
      await this.#wake.wait(Math.min(MAX_POLL_MS, hint !== null && hint > 0 ? hint : MAX_POLL_MS, remaining));
      if (request.signal?.aborted) return false;
      if (this.#granted) return this.#done();
    }
  }

  #done(): true {
    this.lock.retryAfterMs = null;
    return true;
  }

  /** Out of time or aborted: leaves the line; the lock may have been handed over just now. */
  async #leave(): Promise<boolean> {
    const { lock, redis, request } = this;
    if (await lock.cancelWait(redis)) this.#granted = true;
    if (request.signal?.aborted) {
      if (this.#granted) await lock.release(redis);
      throw request.signal.reason;
    }
    if (this.#granted) this.lock.retryAfterMs = null;
    return this.#granted;
  }
}

/** Waiting for a lock without a channel (the rate limiter): retry when it says it may succeed. */
async function pollUntil(
  lock: Waitable,
  redis: RedisAdapter,
  request: WaitRequest,
  deadline: number,
): Promise<boolean> {
  const wake = new Wake();
  const onAbort = (): void => wake.fire();
  request.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (settle(lock, await lock.attempt(redis, { waitLeaseMs: 0, metadata: request.metadata })))
        return true;
      request.contended?.();
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await wake.wait(Math.min(Math.max(lock.retryAfterMs ?? MAX_POLL_MS, 1), remaining));
      request.signal?.throwIfAborted();
    }
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
  }
}
