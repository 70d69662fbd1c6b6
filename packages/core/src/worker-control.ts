import type { Brokers } from './brokers.js';
import { encodeEvent } from './events.js';
import type { TaskPayload } from './payload.js';

/** How long a cancel request for a task this worker does not know yet is remembered. */
const CANCEL_MEMORY_MS = 60_000;

/**
 * @internal What a worker hears and says about its runs from and to other processes: cancel
 * and pause requests from the control channel, and the `started` announcements (batched per
 * tick and shard), whose replies name runs cancelled before this worker heard of it.
 */
export class WorkerControl {
  readonly #cancels = new Map<string, number>(); // requests for tasks not running here (yet)
  readonly #paused = new Set<number>(); // stream indexes paused, as heard on the control channel
  #resumes = 0;
  #starts = new Map<number, Array<{ id: string; json: string }>>();

  constructor(
    private readonly brokers: Brokers,
    private readonly workerId: string,
    /** Aborts a run of this worker; false when it runs no such task. */
    private readonly abortRun: (taskId: string) => boolean,
    private readonly onChange: () => void,
    private readonly report: (error: unknown, where: string) => void,
  ) {}

  /** A control message: `cancel <id>`, `pause <indexes>` or `resume <indexes>`. */
  hear(message: string): void {
    const [verb = '', rest = ''] = message.split(' ', 2);
    if (verb === 'cancel') return this.cancel(message.slice(7));
    for (const index of rest.split(',').filter((i) => i !== '')) {
      if (verb === 'pause') this.#paused.add(Number(index));
      else if (verb === 'resume') this.#paused.delete(Number(index));
    }
    if (verb === 'resume') this.#resumes++;
    this.onChange();
  }

  /** Aborts the task if it runs here, else remembers the request for a while. */
  cancel(taskId: string): void {
    if (this.abortRun(taskId)) return;
    const now = Date.now();
    for (const [id, at] of this.#cancels) if (now - at > CANCEL_MEMORY_MS) this.#cancels.delete(id);
    this.#cancels.set(taskId, now);
  }

  /** True (once) when a cancel request for `taskId` came before this worker knew the task. */
  takeCancel(taskId: string): boolean {
    return this.#cancels.delete(taskId);
  }

  /**
   * How many resume requests were heard: a fetch loop blocked on the other streams of its size
   * compares it to fetch again when a stream comes back.
   */
  get resumes(): number {
    return this.#resumes;
  }

  /** True when the stream was paused since the worker's last fetch. */
  isPaused(streamIndex: number): boolean {
    return this.#paused.has(streamIndex);
  }

  /** Announces a run (batched per tick and shard). */
  announce(shard: number, p: TaskPayload): void {
    const json = encodeEvent('started', { taskId: p.i, name: p.n, attempt: p.t, worker: this.workerId }).json;
    const first = this.#starts.size === 0;
    const list = this.#starts.get(shard) ?? [];
    list.push({ id: p.i, json });
    this.#starts.set(shard, list);
    if (first) setImmediate(() => this.#flush());
  }

  #flush(): void {
    const batches = this.#starts;
    this.#starts = new Map();
    for (const [shard, batch] of batches) {
      this.brokers
        .shard(shard)
        .started(batch)
        .then(
          (cancelled) => cancelled.forEach((id) => this.cancel(id)),
          (error: unknown) => this.report(error, 'announce started tasks'),
        );
    }
  }
}
