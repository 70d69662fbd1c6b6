import { TasksError } from '@tasks/redis';

/** A task argument that is not plain JSON data, or that its schema rejected. */
export class InvalidTaskArgumentsError extends TasksError {
  readonly taskName: string;
  /** Path of the offending field, e.g. `args.to[2]`. */
  readonly path: string;
  constructor(taskName: string, path: string, problem: string) {
    super('INVALID_TASK_ARGUMENTS', `Task ${taskName}: ${path} ${problem}`);
    this.name = 'InvalidTaskArgumentsError';
    this.taskName = taskName;
    this.path = path;
  }
}

/** A task class the app does not know (not in `tasks`), or two classes with one name. */
export class UnknownTaskError extends TasksError {
  readonly taskName: string;
  constructor(taskName: string, known: readonly string[]) {
    super('UNKNOWN_TASK', `Unknown task '${taskName}'. Registered tasks: [${known.join(', ')}]`);
    this.name = 'UnknownTaskError';
    this.taskName = taskName;
  }
}

/** Invalid app, worker or task configuration. */
export class TaskConfigError extends TasksError {
  readonly path: string;
  constructor(path: string, problem: string) {
    super('TASK_CONFIG', `Invalid configuration at ${path}: ${problem}`);
    this.name = 'TaskConfigError';
    this.path = path;
  }
}

/** What a failed task's result reports: every attempt's error. */
export interface TaskErrorRecord {
  readonly attempt: number;
  readonly name: string;
  readonly message: string;
  readonly stack: string | null;
  readonly at: number;
}

/** `handle.result()` of a task that failed, was dead-lettered or cancelled. */
export class TaskFailedError extends TasksError {
  readonly taskId: string;
  readonly taskName: string;
  /** `'failed'`, `'dead-lettered'` or `'cancelled'`. */
  readonly status: string;
  /** Why it ended so (from its outcome record). */
  readonly reason: string | null;
  readonly errors: readonly TaskErrorRecord[];
  constructor(
    taskId: string,
    taskName: string,
    status: string,
    errors: readonly TaskErrorRecord[],
    reason: string | null = null,
  ) {
    const last = errors.at(-1);
    const why = reason ?? (last ? `[${last.name}] ${last.message}` : null);
    super('TASK_FAILED', `Task ${taskName} (${taskId}) ${status}${why ? `: ${why}` : ''}`);
    this.name = 'TaskFailedError';
    this.taskId = taskId;
    this.taskName = taskName;
    this.status = status;
    this.reason = reason;
    this.errors = errors;
  }
}

/** `dlq.replay(id)` / `dlq.get` of an entry that is not (or no longer) in the dead-letter queue. */
export class DeadLetterNotFoundError extends TasksError {
  readonly dlqId: string;
  constructor(dlqId: string) {
    super('DLQ_ENTRY_NOT_FOUND', `No dead-letter entry '${dlqId}' (already replayed or purged?)`);
    this.name = 'DeadLetterNotFoundError';
    this.dlqId = dlqId;
  }
}

/** A dead-letter entry that cannot be replayed (its payload is unreadable). */
export class DeadLetterReplayError extends TasksError {
  readonly dlqId: string;
  constructor(dlqId: string, problem: string) {
    super('DLQ_REPLAY', `Cannot replay dead-letter entry '${dlqId}': ${problem}`);
    this.name = 'DeadLetterReplayError';
    this.dlqId = dlqId;
  }
}

/** `handle.result({ timeoutMs })` ran out of time (the task may still finish later). */
export class ResultTimeoutError extends TasksError {
  readonly taskId: string;
  constructor(taskId: string, timeoutMs: number) {
    super(
      'RESULT_TIMEOUT',
      `No result for task ${taskId} within ${timeoutMs} ms (it may still be queued or running)`,
    );
    this.name = 'ResultTimeoutError';
    this.taskId = taskId;
  }
}

/** The reason a running task's signal is aborted when its worker shuts down. */
export class WorkerShutdownError extends TasksError {
  constructor() {
    super('WORKER_SHUTDOWN', 'The worker is shutting down: the task will be redelivered');
    this.name = 'WorkerShutdownError';
  }
}

/** The reason a running task's signal is aborted when someone cancels it (`app.cancel`). */
export class TaskCancelledError extends TasksError {
  readonly taskId: string;
  constructor(taskId: string) {
    super('TASK_CANCELLED', `Task ${taskId} was cancelled`);
    this.name = 'TaskCancelledError';
    this.taskId = taskId;
  }
}

/** The reason a running task's signal is aborted when its `timeoutMs` runs out; the attempt fails with it. */
export class TaskTimeoutError extends TasksError {
  readonly taskId: string;
  readonly timeoutMs: number;
  constructor(taskId: string, timeoutMs: number) {
    super('TASK_TIMEOUT', `Task ${taskId} ran longer than its timeout of ${timeoutMs} ms`);
    this.name = 'TaskTimeoutError';
    this.taskId = taskId;
    this.timeoutMs = timeoutMs;
  }
}

/** `app.cancel(id)` of an id no task has (nothing live, no stored outcome). */
export class UnknownTaskIdError extends TasksError {
  readonly taskId: string;
  constructor(taskId: string) {
    super('UNKNOWN_TASK_ID', `No task has the id '${taskId}' (never submitted, or its result expired)`);
    this.name = 'UnknownTaskIdError';
    this.taskId = taskId;
  }
}

/** A payload larger than the app's `maxPayloadBytes`. */
export class PayloadTooLargeError extends TasksError {
  readonly taskName: string;
  readonly bytes: number;
  readonly limit: number;
  constructor(taskName: string, bytes: number, limit: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `Task ${taskName}: the serialised arguments take ${bytes} bytes, over the limit of ${limit}`,
    );
    this.name = 'PayloadTooLargeError';
    this.taskName = taskName;
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** A task read `ctx.deps.<name>` but the app was given no dependency of that name. */
export class MissingDependencyError extends TasksError {
  readonly dependency: string;
  constructor(dependency: string, available: readonly string[]) {
    super(
      'MISSING_DEPENDENCY',
      `The task reads the dependency '${dependency}', but the app has none of that name ` +
        `(given: ${available.length > 0 ? available.join(', ') : 'none'}); pass it in createTaskApp({ dependencies })`,
    );
    this.name = 'MissingDependencyError';
    this.dependency = dependency;
  }
}

/** A process of an app configured with another shard count than the app's keys were made with. */
export class ShardLayoutError extends TasksError {
  readonly prefix: string;
  readonly stored: number;
  readonly configured: number;
  constructor(prefix: string, stored: number, configured: number, layoutKey: string) {
    super(
      'SHARD_LAYOUT',
      `The app under prefix '${prefix}' was created with shards: ${stored}, and this process has shards: ${configured}. ` +
        'Every process of an app must use the same value. To change it, drain the app (no queued, delayed or running ' +
        `tasks), stop every process, delete the key '${layoutKey}', then start with the new value.`,
    );
    this.name = 'ShardLayoutError';
    this.prefix = prefix;
    this.stored = stored;
    this.configured = configured;
  }
}
