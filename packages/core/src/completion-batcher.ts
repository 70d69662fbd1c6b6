import type { Broker, FinishItem, WakeRequest } from './broker.js';

interface Pending {
  /** `null` for a wake-up alone (a run that released its locks and was retried or requeued). */
  readonly item: FinishItem | null;
  readonly wake: readonly WakeRequest[];
  readonly done: () => void;
  readonly fail: (error: unknown) => void;
}

/**
 * Gathers the final outcomes of one tick into one `finish` script call per stream (one round
 * trip for many tasks under load, the same single transition for one task when idle).
 */
export class CompletionBatcher {
  readonly #pending = new Map<number, Pending[]>();
  #scheduled = false;
  #inflight: Promise<void> = Promise.resolve();

  constructor(private readonly broker: Broker) {}

  /** Queues one delivery's end; resolves once it is written, rejects when the write failed. */
  add(streamIndex: number, item: FinishItem | null, wake: readonly WakeRequest[]): Promise<void> {
    if (item === null && wake.length === 0) return Promise.resolve();
    return new Promise((done, fail) => {
      const list = this.#pending.get(streamIndex) ?? [];
      list.push({ item, wake, done, fail });
      this.#pending.set(streamIndex, list);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Writes everything queued so far (and waits for writes already on their way). */
  async flush(): Promise<void> {
    this.#scheduled = false;
    const batches = [...this.#pending];
    this.#pending.clear();
    const work = Promise.all(batches.map(([streamIndex, list]) => this.#write(streamIndex, list))).then(
      () => undefined,
    );
    this.#inflight = this.#inflight.then(() => work);
    await this.#inflight;
  }

  async #write(streamIndex: number, list: readonly Pending[]): Promise<void> {
    try {
      await this.broker.finish(
        streamIndex,
        list.flatMap((p) => (p.item ? [p.item] : [])),
        mergeWakes(list.flatMap((p) => p.wake)),
      );
      for (const p of list) p.done();
    } catch (error) {
      for (const p of list) p.fail(error);
    }
  }
}

function mergeWakes(wakes: readonly WakeRequest[]): WakeRequest[] {
  const byKey = new Map<string, number>();
  for (const w of wakes) byKey.set(w.lockKey, (byKey.get(w.lockKey) ?? 0) + w.count);
  return [...byKey].map(([lockKey, count]) => ({ lockKey, count }));
}
