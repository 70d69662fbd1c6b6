import { EventEmitter } from 'node:events';
import type { TaskErrorRecord } from './errors.js';

/** Events an app emits (from its workers), with their payloads. */
export interface TaskEvents {
  started: { taskId: string; name: string; attempt: number; worker: string };
  succeeded: { taskId: string; name: string; attempt: number; durationMs: number; worker: string };
  /** A run failed; `final` when no retry follows (dropped or dead-lettered). */
  failed: { taskId: string; name: string; attempt: number; error: TaskErrorRecord; final: boolean };
  retried: { taskId: string; name: string; attempt: number; runAt: number };
  /** Lock contention: the task comes back later without using an attempt. */
  rescheduled: { taskId: string; name: string; delayMs: number; blockedBy: string };
  deadLettered: { taskId: string; name: string; reason: string };
  lockLost: { taskId: string; name: string; key: string };
  /** This scheduler instance became the leader. */
  schedulerLeader: { instanceId: string; fencingToken: number };
  /** The scheduler submitted a periodic occurrence. */
  periodicSubmitted: { name: string; vo: string | null; occurrence: number; taskId: string };
  /** The scheduler skipped an occurrence (its previous run still held the task's mutex). */
  periodicSkipped: { name: string; vo: string | null; occurrence: number; reason: string };
  /** A fan-in group fired its callback (or its failure callback). */
  groupFired: { groupId: string; outcome: 'succeeded' | 'failed' };
  /** Infrastructure trouble (Redis unreachable, ...): the worker keeps going and retries. */
  workerError: { error: unknown; where: string };
}

/** A typed event emitter for {@link TaskEvents}. */
export class TaskEventEmitter {
  readonly #emitter = new EventEmitter();

  /** Listens to an event; returns a function that stops listening. */
  on<E extends keyof TaskEvents>(event: E, listener: (payload: TaskEvents[E]) => void): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }

  /** @internal */
  emit<E extends keyof TaskEvents>(event: E, payload: TaskEvents[E]): void {
    if (this.#emitter.listenerCount(event) > 0) this.#emitter.emit(event, payload);
  }
}
