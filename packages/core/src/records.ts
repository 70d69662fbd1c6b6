import type { TaskErrorRecord } from './errors.js';
import type { TaskPayload } from './payload.js';

/** How a task ended. */
export type TaskStatus = 'succeeded' | 'failed' | 'dead-lettered' | 'cancelled';

/**
 * The one record of a task's outcome: stored (with a TTL, default 24 h) as its result —
 * `app.getResult(id)` — and, for a dead-lettered task, as its dead-letter entry too.
 */
export interface TaskResultRecord {
  /** The task id (`entry:<stream entry id>` for an entry whose payload could not be read). */
  readonly id: string;
  /** The task name (`'?'` when unknown). */
  readonly name: string;
  readonly status: TaskStatus;
  /** Why it ended this way (`null` for a success). */
  readonly reason: string | null;
  /** The return value (status `succeeded`). */
  readonly value?: unknown;
  /** Every failed attempt's error, oldest first. */
  readonly errors: readonly TaskErrorRecord[];
  /** How many attempts it used (failed attempts + the last one). */
  readonly attempts: number;
  /** How many times its last entry was delivered (above 1 after a worker died holding it). */
  readonly deliveries: number;
  /** First submission time (ms since epoch). */
  readonly submittedAt: number;
  /** When the last run started, or `null` when it never ran (poison, undecodable, unknown). */
  readonly startedAt: number | null;
  readonly finishedAt: number;
  /** Duration of the last run, in ms (0 when it never ran). */
  readonly durationMs: number;
  readonly parentId: string | null;
  /** The fan-in group it belongs to, if any. */
  readonly groupId: string | null;
  readonly worker: string | null;
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Set when the return value could not be kept: Redis was full (used memory above `maxmemory`)
   * when the task finished, so the record was stored without it (`value` is `null`) and says why.
   */
  readonly valueDropped?: string;
  /** The stream entry as it was queued (dead-lettered tasks only: a replay re-submits it). */
  readonly payload?: string;
}

/** The facts of one delivery an outcome record is made from. */
export interface RecordFacts {
  /** The decoded payload, or `null` when the entry could not be decoded. */
  readonly payload: TaskPayload | null;
  readonly entryId: string;
  /** The raw entry text. */
  readonly raw: string;
  readonly deliveries: number;
  readonly worker: string | null;
  readonly startedAt: number | null;
  readonly finishedAt: number;
}

/** What differs between outcomes. */
export interface RecordOutcome {
  readonly status: TaskStatus;
  readonly reason: string | null;
  readonly errors?: readonly TaskErrorRecord[];
  readonly value?: unknown;
}

/** The id an outcome is recorded under: the task id, or `entry:<id>` for an unreadable entry. */
export function recordId(facts: Pick<RecordFacts, 'payload' | 'entryId'>): string {
  return facts.payload?.i ?? `entry:${facts.entryId}`;
}

/**
 * Builds and serialises the outcome record of a delivery — the single encoder of results and
 * dead-letter entries. A dead-lettered record keeps the raw entry so it can be replayed.
 * @throws TypeError when `value` is not JSON-serialisable (the caller fails the task instead).
 */
export function encodeRecord(facts: RecordFacts, outcome: RecordOutcome): string {
  const p = facts.payload;
  const record: TaskResultRecord = {
    id: recordId(facts),
    name: p?.n ?? '?',
    status: outcome.status,
    reason: outcome.reason,
    ...(outcome.status === 'succeeded' ? { value: outcome.value ?? null } : {}),
    errors: outcome.errors ?? p?.e ?? [],
    attempts: (p?.t ?? 0) + 1,
    deliveries: facts.deliveries,
    submittedAt: p?.s ?? facts.finishedAt,
    startedAt: facts.startedAt,
    finishedAt: facts.finishedAt,
    durationMs: facts.startedAt === null ? 0 : facts.finishedAt - facts.startedAt,
    parentId: p?.p ?? null,
    groupId: p?.g ?? null,
    worker: facts.worker,
    labels: p?.l ?? {},
    ...(outcome.status === 'dead-lettered' ? { payload: facts.raw } : {}),
  };
  try {
    return JSON.stringify(record);
  } catch (error) {
    throw new TypeError(`the task's return value is not JSON-serialisable: ${(error as Error).message}`);
  }
}

/** Reads a stored record; `null` for text that is not one. */
export function decodeRecord(text: string): TaskResultRecord | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string'
      ? (value as TaskResultRecord)
      : null;
  } catch {
    return null;
  }
}

/** Turns anything thrown into an error record. */
export function errorRecord(error: unknown, attempt: number): TaskErrorRecord {
  if (error instanceof Error) {
    return { attempt, name: error.name, message: error.message, stack: error.stack ?? null, at: Date.now() };
  }
  return { attempt, name: 'NonError', message: safeString(error), stack: null, at: Date.now() };
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return Object.prototype.toString.call(value);
  }
}
