import { EventEmitter } from 'node:events';
import type { RedisFinding } from '@tasks/redis';
import type { EncodedEvent } from './broker.js';
import type { TaskErrorRecord } from './errors.js';

/**
 * Events, with their payloads. In-process listeners (`app.on`) hear what this process did;
 * the transitions marked † are also appended to the app's event stream, readable from any
 * process with `app.events()`.
 */
export interface TaskEvents {
  /** † A task was queued (or delayed, when `delayed`). */
  submitted: { taskId: string; name: string; streamIndex: number; delayed: boolean };
  /** † A run began (its locks are held). */
  started: { taskId: string; name: string; attempt: number; worker: string };
  /** † A running task reported progress (`ctx.progress`). */
  progress: { taskId: string; name: string; progress: unknown };
  /** † A task was cancelled (`app.cancel`): removed before it ran, or aborted while running. */
  cancelled: { taskId: string; name: string; reason: string };
  /** † A worker started (its first heartbeat). */
  workerUp: { workerId: string; host: string; pid: number };
  /** † A worker left (closed) or was reaped (its heartbeat stopped). */
  workerDown: { workerId: string; reason: 'closed' | 'reaped' };
  /** Redis answers again after an outage a worker reported (`workerError` with `where: 'redis'`). */
  workerRecovered: { workerId: string; downMs: number };
  /** † */
  succeeded: { taskId: string; name: string; attempt: number; durationMs: number; worker: string };
  /** † (final failures not dead-lettered) A run failed; `final` when no retry follows. */
  failed: { taskId: string; name: string; attempt: number; error: TaskErrorRecord; final: boolean };
  /** † A failed run will be retried: `attempt` is the next one's, `runAt` its due time (server ms). */
  retried: { taskId: string; name: string; attempt: number; runAt: number; error: TaskErrorRecord };
  /** † Lock contention: the task comes back later without using an attempt. */
  rescheduled: { taskId: string; name: string; delayMs: number; blockedBy: string };
  /** † */
  deadLettered: { taskId: string; name: string; reason: string };
  /** † A dead-letter entry was replayed as a new task. */
  replayed: { dlqId: string; taskId: string; name: string };
  /** A running task lost a lock's lease (its signal aborts). */
  lockLost: { taskId: string; name: string; key: string };
  /** This scheduler instance became the leader. */
  schedulerLeader: { instanceId: string; fencingToken: number };
  /** The scheduler submitted a periodic occurrence. */
  periodicSubmitted: { name: string; vo: string | null; occurrence: number; taskId: string };
  /** The scheduler skipped an occurrence (its previous run still held the task's mutex). */
  periodicSkipped: { name: string; vo: string | null; occurrence: number; reason: string };
  /**
   * A periodic entry was first seen, its schedule changed (by code or configuration), it was
   * enabled or disabled, or it recovered from an error: `next` is its next run (server ms),
   * `since` when the change took effect.
   */
  periodicChanged: {
    name: string;
    vo: string | null;
    change: 'new' | 'schedule changed' | 'enabled' | 'disabled' | 'recovered';
    status: 'active' | 'ended' | 'disabled' | 'failing';
    next: number | null;
    since: number;
  };
  /** A periodic entry's schedule has no occurrence left; its last one was submitted. */
  periodicEnded: { name: string; vo: string | null; schedule: string; lastOccurrence: number | null };
  /**
   * Computing a periodic entry's next occurrence, or building its task, fails. Reported once
   * per distinct message; the entry is retried every tick and the others are not affected.
   */
  periodicError: { name: string; vo: string | null; schedule: string; message: string };
  /** A fan-in group fired its callback (or its failure callback). */
  groupFired: { groupId: string; outcome: 'succeeded' | 'failed' };
  /**
   * A worker or scheduler checked its Redis at start (`redisChecks`): the findings, including
   * an evicting `maxmemory-policy`, no persistence or a Redis too old (see `checkRedis`).
   */
  redisChecked: { component: 'worker' | 'scheduler'; target: string; findings: readonly RedisFinding[] };
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

/** @internal An event as the transition scripts append it to the app's event stream. */
export function encodeEvent<E extends keyof TaskEvents>(type: E, payload: TaskEvents[E]): EncodedEvent {
  return { type, json: JSON.stringify(payload) };
}
