import type { RedisAdapter } from '@tasks/redis';
import type { Brokers } from './brokers.js';
import { PRIORITIES, SIZES, streamIndex, type Priority, type Size } from './enums.js';
import { UnknownTaskIdError } from './errors.js';
import { encodeEvent, type TaskEventEmitter } from './events.js';
import type { Groups } from './groups.js';
import type { Keyspace } from './keys.js';
import { decodePayload, type TaskPayload } from './payload.js';
import { decodeRecord, encodeRecord, type TaskStatus } from './records.js';

/** What `app.cancel(id)` did. */
export type CancelResult =
  /** It was queued or delayed: removed, and recorded as cancelled. */
  | { readonly outcome: 'cancelled' }
  /** It is running: its worker was asked to abort it (its outcome will be `cancelled`). */
  | { readonly outcome: 'cancelling' }
  /** It had already ended, with this status. */
  | { readonly outcome: 'finished'; readonly status: TaskStatus };

/** Which streams `pause`/`resume` act on: every stream by default, or one priority and/or size. */
export interface StreamSelector {
  readonly priority?: Priority;
  readonly size?: Size;
}

/** @internal Cancelling, pausing and resuming, from any process. */
export class Control {
  constructor(
    private readonly redis: RedisAdapter,
    private readonly keys: Keyspace,
    private readonly brokers: Brokers,
    private readonly groups: Groups,
    private readonly events: TaskEventEmitter,
  ) {}

  /** Cancels a task by id. Idempotent. @throws UnknownTaskIdError for an id no task has. */
  async cancel(id: string): Promise<CancelResult> {
    for (;;) {
      const broker = this.brokers.of(id);
      const location = await broker.locate(id);
      if (!location) {
        const key = this.keys.of(id).result(id);
        const raw = await this.redis.command(['GET', key], { key });
        const record = typeof raw === 'string' ? decodeRecord(raw) : null;
        if (!record) throw new UnknownTaskIdError(id);
        return record.status === 'cancelled'
          ? { outcome: 'cancelled' }
          : { outcome: 'finished', status: record.status };
      }
      let payload: TaskPayload | null;
      try {
        payload = decodePayload(location.raw);
      } catch {
        payload = null;
      }
      const reason = 'cancelled before it ran';
      const facts = {
        payload,
        entryId: location.state === 'queued' ? location.entryId : '',
        raw: location.raw,
        deliveries: 0,
        worker: null,
        startedAt: null,
        finishedAt: Date.now(),
      };
      const record = encodeRecord(facts, { status: 'cancelled', reason });
      const event = { taskId: id, name: payload?.n ?? '?', reason };
      const done = await broker.cancel(id, location, record, encodeEvent('cancelled', event));
      if (done === 'signalled') return { outcome: 'cancelling' };
      if (done === 'moved') continue; // it moved meanwhile (delivered, promoted, finished): look again
      this.events.emit('cancelled', event);
      if (payload?.g) await this.groups.childFailed(payload.g, id);
      return { outcome: 'cancelled' };
    }
  }

  /** Stops workers fetching from the selected streams (queued tasks stay; running ones finish). */
  async pause(selector: StreamSelector = {}): Promise<void> {
    await this.#set('SADD', selector, 'pause');
  }

  /** Lets workers fetch from the selected streams again. */
  async resume(selector: StreamSelector = {}): Promise<void> {
    await this.#set('SREM', selector, 'resume');
  }

  async #set(command: 'SADD' | 'SREM', selector: StreamSelector, message: string): Promise<void> {
    const indexes = SIZES.filter((s) => !selector.size || s === selector.size).flatMap((size) =>
      PRIORITIES.filter((p) => !selector.priority || p === selector.priority).map((p) =>
        streamIndex(p, size),
      ),
    );
    // Every shard keeps its own paused set (its fetch script reads it): pause them all.
    await Promise.all(
      this.keys.shards.map((k) => this.redis.command([command, k.paused, ...indexes], { key: k.paused })),
    );
    await this.redis.publish(this.keys.control, `${message} ${indexes.join(',')}`);
  }
}
