// The dead-letter store contract: where dead-letter entries are kept for listing, showing,
// replaying and purging. Tasks are always dead-lettered atomically in Redis first (with their
// ack); an external store receives them from there through the forwarder.
import type { TaskErrorRecord } from './errors.js';
import { decodePayload, type TaskPayload } from './payload.js';
import { decodeRecord, type TaskResultRecord } from './records.js';

/** One dead-lettered task (or unreadable entry), with why it got there. */
export interface DeadLetterEntry {
  /** DLQ id: the task id, or `entry:<stream entry id>` for an entry without a usable payload. */
  readonly id: string;
  readonly reason: string;
  readonly taskId: string | null;
  readonly taskName: string | null;
  readonly args: unknown;
  /** Every attempt's error. */
  readonly errors: readonly TaskErrorRecord[];
  /** When it was dead-lettered (ms since epoch). */
  readonly at: number;
  /**
   * Its attempt series: the first submission time (ms since epoch) of the run of attempts
   * that ended here. With `id` it identifies the entry: forwarding the same entry twice adds
   * it once; a replay starts a new series under a new task id.
   */
  readonly series: number;
  /** The raw payload, as it was in the stream. */
  readonly payload: string;
  /** The task's outcome record (the same one `app.getResult(id)` returns). */
  readonly record: TaskResultRecord;
  /** The task id its replay was (or is being) submitted under; `null` when never replayed. */
  readonly replayTaskId: string | null;
  /** When its replay completed (ms since epoch); `null` while not (fully) replayed. */
  readonly replayedAt: number | null;
}

/** Which entries {@link DeadLetterStore.list} and {@link DeadLetterStore.size} consider. */
export interface DeadLetterFilter {
  /** Only entries of this task name. */
  readonly taskName?: string;
  /** Only entries whose reason starts with this text. */
  readonly reason?: string;
  /** Only entries dead-lettered at or after this time (ms since epoch). */
  readonly since?: number;
  /** Only entries dead-lettered before this time (ms since epoch). */
  readonly until?: number;
  /**
   * `false` (the default): entries not replayed yet; `true`: replayed ones (kept by stores
   * that keep history; the Redis store removes an entry when it is replayed); `'all'`: both.
   */
  readonly replayed?: boolean | 'all';
}

/** A page of entries: {@link DeadLetterFilter} plus paging. Oldest first. */
export interface DeadLetterQuery extends DeadLetterFilter {
  /** Page size. Default 50. */
  readonly limit?: number;
  /** Entries to skip. Default 0. */
  readonly offset?: number;
}

/**
 * What {@link DeadLetterStore.claimReplay} found: `claimed` (this caller now replays the
 * entry, under `replayTaskId` — a fresh id, or the id of an earlier claim that went stale
 * because its replayer died), `busy` (another replay claimed it moments ago) or `missing`
 * (no such entry, or it was replayed already).
 */
export type ReplayClaim =
  | { readonly status: 'claimed'; readonly entry: DeadLetterEntry; readonly replayTaskId: string }
  | { readonly status: 'busy'; readonly replayTaskId: string }
  | { readonly status: 'missing' };

/**
 * Storage of the dead-letter queue. The default keeps it in Redis; `@tasks/dlq-postgres`
 * keeps it in PostgreSQL. The app dead-letters tasks into Redis atomically with their ack;
 * with another store configured, a forwarder moves each entry from Redis into the store with
 * {@link DeadLetterStore.add} and only then deletes it from Redis, so a store must make `add`
 * idempotent on `(id, series)`: a crash between the two steps re-adds an entry it has.
 *
 * Replays follow one protocol, written once in `DeadLetterQueue.replay`: `claimReplay`
 * records a new task id on the entry (atomically: of two concurrent claims one wins), the task
 * is re-submitted under that id (a duplicate id is refused by Redis), then `finishReplay`
 * marks the entry replayed. A crash between the steps leaves a claim that goes stale and is
 * resumed with the same task id, so a replay is neither lost nor doubled.
 *
 * @example
 * ```ts
 * const app = createTaskApp({ redis, tasks, deadLetterStore: createPostgresDeadLetterStore({ connection: url }) });
 * const page = await app.dlq.list({ taskName: 'SendEmail', since: Date.now() - 86_400_000 });
 * ```
 */
export interface DeadLetterStore {
  /** Adds entries; an entry whose `(id, series)` it holds already is ignored (not an error). */
  add(entries: readonly DeadLetterEntry[]): Promise<void>;
  /** The newest entry with this id (replayed or not), or `null`. */
  get(id: string): Promise<DeadLetterEntry | null>;
  /** A page of entries matching the filter, oldest first (by `at`, then `id`). */
  list(query: DeadLetterQuery): Promise<DeadLetterEntry[]>;
  /** How many entries match the filter. */
  size(filter: DeadLetterFilter): Promise<number>;
  /**
   * Claims the newest not-yet-replayed entry with this id for a replay under `replayTaskId`
   * (see {@link ReplayClaim}). A claim older than `staleAfterMs` may be taken over; the
   * taker gets the stale claim's task id.
   */
  claimReplay(id: string, replayTaskId: string, staleAfterMs: number): Promise<ReplayClaim>;
  /** Marks the claimed entry replayed (the Redis store removes it instead). Idempotent. */
  finishReplay(id: string, series: number): Promise<void>;
  /** Removes one entry id (every series of it), or all with no id; returns how many went. */
  purge(id?: string): Promise<number>;
}

/**
 * Reads a stored dead-letter record (the JSON of a `TaskResultRecord`) into an entry; an
 * unreadable record gives an entry with reason `unreadable dead-letter record`.
 */
export function deadLetterEntryOf(
  id: string,
  raw: string | null,
  replay: { readonly replayTaskId: string | null; readonly replayedAt: number | null } = {
    replayTaskId: null,
    replayedAt: null,
  },
): DeadLetterEntry {
  const record: TaskResultRecord = (raw ? decodeRecord(raw) : null) ?? unreadableRecord(id, raw);
  let decoded: TaskPayload | null = null;
  try {
    decoded = decodePayload(record.payload ?? '');
  } catch {
    decoded = null;
  }
  return {
    id,
    reason: record.reason ?? 'unknown',
    taskId: decoded?.i ?? null,
    taskName: decoded?.n ?? null,
    args: decoded?.a ?? null,
    errors: record.errors,
    at: record.finishedAt,
    series: record.submittedAt,
    payload: record.payload ?? '',
    record,
    replayTaskId: replay.replayTaskId,
    replayedAt: replay.replayedAt,
  };
}

/** True when an entry passes the filter's name, reason, time and replay conditions. */
export function matchesDeadLetterFilter(entry: DeadLetterEntry, filter: DeadLetterFilter): boolean {
  if (filter.taskName !== undefined && entry.taskName !== filter.taskName) return false;
  if (filter.reason !== undefined && !entry.reason.startsWith(filter.reason)) return false;
  if (filter.since !== undefined && entry.at < filter.since) return false;
  if (filter.until !== undefined && entry.at >= filter.until) return false;
  const replayed = filter.replayed ?? false;
  return replayed === 'all' || replayed === (entry.replayedAt !== null);
}

function unreadableRecord(id: string, raw: string | null): TaskResultRecord {
  return {
    id,
    name: '?',
    status: 'dead-lettered',
    reason: 'unreadable dead-letter record',
    errors: [],
    attempts: 0,
    deliveries: 0,
    submittedAt: 0,
    startedAt: null,
    finishedAt: 0,
    durationMs: 0,
    parentId: null,
    groupId: null,
    worker: null,
    labels: {},
    payload: raw ?? '',
  };
}
