import type { RedisAdapter } from '@tasks/redis';
import { ResultTimeoutError, TaskFailedError } from './errors.js';
import type { Keyspace } from './keys.js';
import { decodeRecord, type TaskResultRecord } from './records.js';
import { sleep } from './timing.js';

/** Reads results, and waits for them with a pub/sub notification instead of polling. */
export class ResultWaiter {
  constructor(
    private readonly redis: RedisAdapter,
    private readonly keys: Keyspace,
  ) {}

  async get(id: string): Promise<TaskResultRecord | null> {
    const key = this.keys.of(id).result(id);
    const raw = await this.redis.command(['GET', key], { key });
    return typeof raw === 'string' ? decodeRecord(raw) : null;
  }

  /** Resolves with the value of a succeeded task; rejects with TaskFailedError or ResultTimeoutError. */
  async wait(id: string, timeoutMs: number): Promise<unknown> {
    const record = (await this.get(id)) ?? (await this.#waitFor(id, timeoutMs));
    if (record.status === 'succeeded') return record.value;
    throw new TaskFailedError(id, record.name, record.status, record.errors, record.reason);
  }

  async #waitFor(id: string, timeoutMs: number): Promise<TaskResultRecord> {
    const waitKey = this.keys.of(id).resultWait(id);
    const deadline = Date.now() + timeoutMs;
    let wake!: () => void;
    const notified = new Promise<void>((resolve) => (wake = resolve));
    // The notification is an optimisation: if the subscriber connection is slow or down (a
    // Redis restart), polling still finds the result.
    let unsubscribe: (() => Promise<void>) | undefined;
    const subscribed = this.redis
      .subscribe(waitKey, () => wake())
      .then(
        (off) => {
          unsubscribe = off;
          return true;
        },
        () => false,
      );
    let timer: NodeJS.Timeout | undefined;
    try {
      const ready = await Promise.race([subscribed, sleep(500).then(() => false)]);
      // Announce the wait (the completing worker publishes only when this key exists), then
      // look again: a completion between the first read and the subscription is not missed.
      await this.redis.command(['SET', waitKey, '1', 'PX', timeoutMs + 5_000], { key: waitKey });
      for (;;) {
        const record = await this.get(id);
        if (record) return record;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new ResultTimeoutError(id, timeoutMs);
        const poll = ready ? 1_000 : 100;
        const timeout = new Promise<void>(
          (resolve) => (timer = setTimeout(resolve, Math.min(remaining, poll))),
        );
        await Promise.race([notified, timeout]);
        clearTimeout(timer);
      }
    } finally {
      clearTimeout(timer);
      void subscribed.then(() => unsubscribe?.()).catch(() => undefined);
      await this.redis.command(['DEL', waitKey], { key: waitKey }).catch(() => undefined);
    }
  }
}
