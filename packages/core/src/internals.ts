import type { RedisAdapter } from '@tasks/redis';
import type { BaseLock } from '@tasks/locks';
import type { Broker, FetchedEntry } from './broker.js';
import type { TaskErrorRecord } from './errors.js';
import type { TaskEventEmitter } from './events.js';
import type { Keyspace } from './keys.js';
import type { TaskPayload } from './payload.js';
import type { RetryPolicy } from '@tasks/retry';
import type { Schedule } from '@tasks/schedules';
import type { Priority } from './enums.js';
import type {
  BaseTask,
  SpawnWithCallbackOptions,
  SubmitOptions,
  TaskClass,
  TaskHandle,
  TaskLogger,
} from './task.js';

/** @internal What workers need from their app. */
export interface AppInternals {
  readonly redis: RedisAdapter;
  readonly keys: Keyspace;
  readonly broker: Broker;
  readonly events: TaskEventEmitter;
  readonly registry: ReadonlyMap<string, TaskClass>;
  readonly logger: TaskLogger;
  readonly deps: unknown;
  readonly maxPayloadBytes: number;
  /** The locks a task runs under (its `executionLocks`, with configuration applied). */
  locksOf(task: BaseTask<unknown, unknown>): BaseLock[];
  /** The retry policy of a task, with configuration applied. */
  retryPolicyOf(task: BaseTask<unknown, unknown>): RetryPolicy;
  /** The priority of a task, with configuration applied. */
  priorityOf(task: BaseTask<unknown, unknown>): Priority;
  /** The schedule of a periodic task class (for a VO), with configuration applied; null if none. */
  scheduleOf(cls: TaskClass, vo?: string | null): Schedule | null;
  /** Whether configuration leaves a task enabled (for the scheduler). */
  isEnabled(taskName: string, vo: string | null): boolean;
  /** Fan-out: submits children and a callback fired once they all succeeded; returns the group id. */
  spawnGroup(
    parentId: string | null,
    children: ReadonlyArray<BaseTask<unknown, unknown>>,
    callback: BaseTask<unknown, unknown>,
    options?: SpawnWithCallbackOptions,
  ): Promise<string>;
  /** Records a group child's success (idempotent); fires the callback when all are done. */
  groupChildDone(groupId: string, childId: string, value: unknown): Promise<void>;
  /** Marks a group failed because a child exhausted its retries. */
  groupChildFailed(groupId: string, childId: string): Promise<void>;
  /** Every child's value of a group, by child id. */
  groupResults(groupId: string): Promise<Record<string, unknown>>;
  /** Submits a task on behalf of a running parent. */
  submitChild(
    task: BaseTask<unknown, unknown>,
    parentId: string,
    options?: SubmitOptions,
  ): Promise<TaskHandle<unknown>>;
  /** Dead-letters a decoded entry with its reason and error history. */
  deadLetterPayload(
    entry: FetchedEntry,
    payload: TaskPayload,
    reason: string,
    errors: readonly TaskErrorRecord[],
  ): Promise<void>;
}
