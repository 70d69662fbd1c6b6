import type { Broker, FetchedEntry, FinishItem, WakeRequest } from './broker.js';
import type { Brokers } from './brokers.js';
import type { CompletionBatcher } from './completion-batcher.js';
import type { TaskErrorRecord } from './errors.js';
import { encodeEvent, type TaskEventEmitter } from './events.js';
import type { Groups } from './groups.js';
import { encodePayload, type TaskPayload } from './payload.js';
import { encodeRecord, recordId, type RecordFacts } from './records.js';
import type { TaskLogger } from './task.js';

/** One delivery of a stream entry to this worker. */
export interface Delivery {
  readonly entry: FetchedEntry;
  /** The decoded payload, or `null` when the entry could not be decoded. */
  readonly payload: TaskPayload | null;
  readonly worker: string;
}

/** A delivery whose payload was decoded. */
export interface TaskDelivery extends Delivery {
  readonly payload: TaskPayload;
}

/** What a run that executed adds to its outcome. */
export interface RunFacts {
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Tasks parked on the locks this run released, to wake with its outcome. */
  readonly wake: readonly WakeRequest[];
}

const NEVER_RAN: RunFacts = { startedAt: Number.NaN, finishedAt: Number.NaN, wake: [] };

/**
 * @internal The one owner of a delivery's outcome: it alone turns a delivery into exactly one
 * of succeeded, failed, retried, rescheduled, dead-lettered (or requeued at shutdown) — each
 * one script that also acks the entry, writes **the** outcome record (one shape for results
 * and dead-letter entries), appends the event to the event stream — and reports it once to
 * the task's fan-in group and once to the app's listeners.
 */
export class OutcomeWriter {
  constructor(
    private readonly brokers: Brokers,
    private readonly batchers: readonly CompletionBatcher[],
    private readonly groups: Groups,
    private readonly events: TaskEventEmitter,
    private readonly logger: TaskLogger,
  ) {}

  /**
   * The run returned `value`. A value that cannot be stored (not JSON) fails the task for good.
   * @returns false when the value could not be stored (the caller then ends the task as failed).
   */
  async succeeded(d: TaskDelivery, run: RunFacts, value: unknown): Promise<boolean> {
    const p = d.payload;
    let recordJson: string;
    try {
      recordJson = encodeRecord(this.#facts(d, run), { status: 'succeeded', reason: null, value });
    } catch {
      return false;
    }
    // Group first: a child redelivered after a crash here is still counted once.
    if (p.g) await this.groups.childDone(p.g, p.i, value ?? null);
    const event = {
      taskId: p.i,
      name: p.n,
      attempt: p.t,
      durationMs: run.finishedAt - run.startedAt,
      worker: d.worker,
    };
    await this.#batch(
      d,
      d.entry.streamIndex,
      {
        entryId: d.entry.entryId,
        recordId: p.i,
        recordJson,
        status: 'succeeded',
        deadLetter: false,
        event: encodeEvent('succeeded', event),
      },
      run.wake,
    );
    this.events.emit('succeeded', event);
    return true;
  }

  /** The run failed and its policy retries it: same id, attempt + 1, after `delayMs`. */
  async retried(d: TaskDelivery, run: RunFacts, failure: TaskErrorRecord, delayMs: number): Promise<void> {
    const p = d.payload;
    const next: TaskPayload = { ...p, t: p.t + 1, e: [...(p.e ?? []), failure], r: 0 };
    const runAt = await this.#broker(d).schedule({
      streamIndex: d.entry.streamIndex,
      taskId: p.i,
      payload: encodePayload(next, Infinity),
      when: { delayMs },
      ack: d.entry,
      event: encodeEvent('retried', {
        taskId: p.i,
        name: p.n,
        attempt: p.t + 1,
        runAt: Date.now() + delayMs,
        error: failure,
      }),
    });
    await this.#batch(d, d.entry.streamIndex, null, run.wake);
    this.events.emit('failed', { taskId: p.i, name: p.n, attempt: p.t, error: failure, final: false });
    this.events.emit('retried', { taskId: p.i, name: p.n, attempt: p.t + 1, runAt, error: failure });
  }

  /**
   * The run failed for good: recorded as `failed`, or dead-lettered when `deadLetter` (the
   * task is DLQ-eligible). Its group fails.
   */
  async failed(
    d: TaskDelivery,
    run: RunFacts,
    failure: TaskErrorRecord,
    reason: string,
    deadLetter: boolean,
  ): Promise<void> {
    const p = d.payload;
    this.events.emit('failed', { taskId: p.i, name: p.n, attempt: p.t, error: failure, final: true });
    const errors = [...(p.e ?? []), failure];
    if (deadLetter) return this.#deadLetter(d, run, reason, errors);
    this.logger.warn(`Task ${p.n} (${p.i}) ${reason}; not DLQ-eligible: recorded as failed`, {
      error: failure.message,
    });
    if (p.g) await this.groups.childFailed(p.g, p.i);
    const recordJson = encodeRecord(this.#facts(d, run), { status: 'failed', reason, errors });
    const event = encodeEvent('failed', {
      taskId: p.i,
      name: p.n,
      attempt: p.t,
      error: failure,
      final: true,
    });
    await this.#batch(
      d,
      d.entry.streamIndex,
      { entryId: d.entry.entryId, recordId: p.i, recordJson, status: 'failed', deadLetter: false, event },
      run.wake,
    );
  }

  /**
   * Someone cancelled the task (`app.cancel`): before it ran (`run` omitted) or while it ran —
   * its outcome is `cancelled` whatever the run did after the request. Its group fails.
   */
  async cancelled(d: TaskDelivery, run: RunFacts = NEVER_RAN): Promise<void> {
    const p = d.payload;
    const reason = Number.isNaN(run.startedAt) ? 'cancelled before it ran' : 'cancelled while running';
    if (p.g) await this.groups.childFailed(p.g, p.i);
    const recordJson = encodeRecord(this.#facts(d, run), { status: 'cancelled', reason });
    const event = { taskId: p.i, name: p.n, reason };
    await this.#batch(
      d,
      d.entry.streamIndex,
      {
        entryId: d.entry.entryId,
        recordId: p.i,
        recordJson,
        status: 'cancelled',
        deadLetter: false,
        event: encodeEvent('cancelled', event),
      },
      run.wake,
    );
    this.events.emit('cancelled', event);
  }

  /**
   * Dead-letters a delivery that will never run (undecodable, unknown task, poison entry,
   * constructor threw, impossible limit): the same record and transition as a task that
   * exhausted its retries, so its result and its group agree.
   */
  deadLettered(d: Delivery, reason: string, errors?: readonly TaskErrorRecord[]): Promise<void> {
    return this.#deadLetter(d, NEVER_RAN, reason, errors);
  }

  /** Lock contention: back later with no attempt used, parked on the lock when `parkOn` is set. */
  async rescheduled(
    d: TaskDelivery,
    delayMs: number,
    blockedBy: string,
    parkOn: string | null,
  ): Promise<void> {
    const p = d.payload;
    const next: TaskPayload = { ...p, r: (p.r ?? 0) + 1 };
    const event = { taskId: p.i, name: p.n, delayMs, blockedBy };
    await this.#broker(d).schedule({
      streamIndex: d.entry.streamIndex,
      taskId: p.i,
      payload: encodePayload(next, Infinity),
      when: { delayMs },
      ack: d.entry,
      ...(parkOn ? { parkOn } : {}),
      event: encodeEvent('rescheduled', event),
    });
    this.events.emit('rescheduled', event);
  }

  /** Shutdown aborted the run: the entry goes back to its stream at once, no attempt used. */
  async requeued(d: TaskDelivery, run: RunFacts): Promise<void> {
    await this.#broker(d).requeue(
      d.entry.streamIndex,
      d.entry.entryId,
      encodePayload(d.payload, Infinity),
      d.payload.i,
    );
    await this.#batch(d, d.entry.streamIndex, null, run.wake);
  }

  async #deadLetter(
    d: Delivery,
    run: RunFacts,
    reason: string,
    errors?: readonly TaskErrorRecord[],
  ): Promise<void> {
    const p = d.payload;
    const id = recordId({ payload: p, entryId: d.entry.entryId });
    if (p?.g) await this.groups.childFailed(p.g, p.i);
    const outcome = { status: 'dead-lettered' as const, reason, ...(errors ? { errors } : {}) };
    const recordJson = encodeRecord(this.#facts(d, run), outcome);
    const event = { taskId: id, name: p?.n ?? '?', reason };
    await this.#batch(
      d,
      d.entry.streamIndex,
      {
        entryId: d.entry.entryId,
        recordId: id,
        recordJson,
        status: 'dead-lettered',
        deadLetter: true,
        event: encodeEvent('deadLettered', event),
      },
      run.wake,
    );
    this.events.emit('deadLettered', event);
  }

  #broker(d: Delivery): Broker {
    return this.brokers.shard(d.entry.shard);
  }

  /**
   * Queues one delivery's end on its shard's batcher (with the parked tasks to wake there); the
   * locks it released may have tasks parked on other shards too: wake those at once.
   */
  async #batch(
    d: Delivery,
    streamIndex: number,
    item: FinishItem | null,
    wake: readonly WakeRequest[],
  ): Promise<void> {
    const shard = d.entry.shard;
    if (wake.length > 0 && this.batchers.length > 1) {
      this.batchers.forEach((batcher, other) => {
        if (other !== shard) batcher.add(0, null, wake).catch(() => undefined); // best effort: the fallback delay covers a miss
      });
    }
    await (this.batchers[shard] as CompletionBatcher).add(streamIndex, item, wake);
  }

  #facts(d: Delivery, run: RunFacts): RecordFacts {
    const ran = !Number.isNaN(run.startedAt);
    return {
      payload: d.payload,
      entryId: d.entry.entryId,
      raw: d.entry.raw,
      deliveries: d.entry.deliveries,
      worker: d.worker,
      startedAt: ran ? run.startedAt : null,
      finishedAt: ran ? run.finishedAt : Date.now(),
    };
  }
}
