import {
  deadLetterEntryOf,
  type DeadLetterEntry,
  type DeadLetterFilter,
  type DeadLetterQuery,
  type DeadLetterStore,
  type ReplayClaim,
} from '@tasks/core';
import pg from 'pg';
import { DeadLetterStoreError } from './errors.js';
import { pgSafeJson, pgSafeText } from './json.js';
import { migrations, quoteIdent, schemaNames, type SchemaNames } from './schema.js';

/** Options of {@link createPostgresDeadLetterStore}. */
export interface PostgresDeadLetterStoreOptions {
  /**
   * Where to connect: a connection string (`postgres://user@host:5432/db`), a `pg` pool
   * configuration, or your own `pg.Pool` (then {@link PostgresDeadLetterStore.close} leaves it open).
   */
  readonly connection: string | pg.PoolConfig | pg.Pool;
  /** The schema of the store's tables (created by `migrate()`). Default `'tasks_dlq'`. */
  readonly schema?: string;
  /** The table name (one per app sharing a schema). Default `'dead_letters'`. */
  readonly table?: string;
  /** How long to wait for a connection, in ms, before an operation fails (pools the store creates). Default 5000. */
  readonly connectionTimeoutMs?: number;
}

/** What {@link PostgresDeadLetterStore.migrate} did. */
export interface MigrationResult {
  /** The schema version now in place. */
  readonly version: number;
  /** The versions this call applied (empty when the schema was up to date). */
  readonly applied: readonly number[];
}

interface Row {
  id: string;
  series: string;
  record: string;
  replay_task_id: string | null;
  replayed_at: Date | null;
}

const COLUMNS = 'id, series, record, replay_task_id, replayed_at';
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;

/**
 * A dead-letter store in PostgreSQL: one row per dead-lettered attempt series, keyed by
 * `(id, series)` so a repeated forward adds nothing; arguments and errors as JSONB (with NUL
 * and unpaired surrogates replaced, which JSONB refuses), the exact record as JSON text (what
 * the API returns and a replay re-submits); indexes for the time, task-name and reason-prefix
 * filters; replay bookkeeping in the row (`replay_task_id`, `replay_claimed_at`, `replayed_at`).
 * Create the tables once with {@link PostgresDeadLetterStore.migrate}.
 *
 * @example
 * ```ts
 * const store = new PostgresDeadLetterStore({ connection: pool, schema: 'billing_dlq' });
 * await store.migrate();
 * console.log(await store.size({ reason: 'poison' }));
 * ```
 */
export class PostgresDeadLetterStore implements DeadLetterStore {
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #names: SchemaNames;

  constructor(options: PostgresDeadLetterStoreOptions) {
    const schema = options.schema ?? 'tasks_dlq';
    const table = options.table ?? 'dead_letters';
    for (const [what, name] of [
      ['schema', schema],
      ['table', table],
    ] as const)
      if (!IDENTIFIER.test(name))
        throw new TypeError(
          `${what} ${JSON.stringify(name)} must be a letter or _ then up to 49 letters, digits or _`,
        );
    this.#names = schemaNames(schema, table);
    const connection = options.connection;
    this.#ownsPool = !(connection instanceof pg.Pool);
    this.#pool =
      connection instanceof pg.Pool
        ? connection
        : new pg.Pool({
            ...(typeof connection === 'string' ? { connectionString: connection } : connection),
            connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
          });
    // An idle client losing its server must not crash the process: the next query reconnects.
    if (this.#ownsPool) this.#pool.on('error', () => undefined);
  }

  /** The schema the tables live in. */
  get schema(): string {
    return this.#names.schema;
  }

  /**
   * Creates the schema, tables and indexes, or brings them up to date. Idempotent and safe to
   * run from several processes at once (a transaction-scoped advisory lock serialises them).
   * Call it at deploy time; the store never creates anything by itself.
   * @example
   * ```ts
   * const { version, applied } = await store.migrate(); // e.g. { version: 1, applied: [1] }
   * ```
   * @throws DeadLetterStoreError when PostgreSQL is unreachable or refuses (e.g. no CREATE right).
   */
  async migrate(): Promise<MigrationResult> {
    return this.#run('migrate', async () => {
      const client = await this.#pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tasks-dlq:${this.#names.schema}`]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.#names.schema)}`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${this.#names.migrations} (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
        );
        const done = await client.query<{ version: number }>(`SELECT version FROM ${this.#names.migrations}`);
        const have = new Set(done.rows.map((row) => row.version));
        const applied: number[] = [];
        const all = migrations(this.#names);
        for (const [i, statements] of all.entries()) {
          if (have.has(i + 1)) continue;
          for (const sql of statements) await client.query(sql);
          await client.query(`INSERT INTO ${this.#names.migrations} (version) VALUES ($1)`, [i + 1]);
          applied.push(i + 1);
        }
        await client.query('COMMIT');
        return { version: all.length, applied };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    });
  }

  /** Adds entries in one statement; `(id, series)` already there are ignored. */
  async add(entries: readonly DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const values: unknown[] = [];
    const rows = entries.map((entry, i) => {
      values.push(
        pgSafeText(entry.id),
        entry.series,
        entry.taskId === null ? null : pgSafeText(entry.taskId),
        entry.taskName === null ? null : pgSafeText(entry.taskName),
        pgSafeText(entry.reason),
        JSON.stringify(pgSafeJson(entry.args ?? null)),
        JSON.stringify(pgSafeJson(entry.errors)),
        entry.at,
        JSON.stringify(entry.record),
      );
      const p = (n: number): string => `$${i * 9 + n}`;
      return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}::jsonb, ${p(7)}::jsonb, to_timestamp(${p(8)}::float8 / 1000), ${p(9)})`;
    });
    await this.#query(
      'add entries',
      `INSERT INTO ${this.#names.entries} (id, series, task_id, task_name, reason, args, errors, dead_lettered_at, record)
       VALUES ${rows.join(', ')} ON CONFLICT (id, series) DO NOTHING`,
      values,
    );
  }

  /** The newest entry with this id (replayed or not), or `null`. */
  async get(id: string): Promise<DeadLetterEntry | null> {
    const rows = await this.#query(
      'get an entry',
      `SELECT ${COLUMNS} FROM ${this.#names.entries} WHERE id = $1 ORDER BY series DESC LIMIT 1`,
      [pgSafeText(id)],
    );
    return rows[0] ? entryOf(rows[0]) : null;
  }

  /** A page of entries matching the filter, oldest first. */
  async list(query: DeadLetterQuery): Promise<DeadLetterEntry[]> {
    const { where, values } = whereOf(query);
    values.push(query.limit ?? 50, query.offset ?? 0);
    const rows = await this.#query(
      'list entries',
      `SELECT ${COLUMNS} FROM ${this.#names.entries} ${where}
       ORDER BY dead_lettered_at, id, series LIMIT $${values.length - 1} OFFSET $${values.length}`,
      values,
    );
    return rows.map(entryOf);
  }

  /** How many entries match the filter. */
  async size(filter: DeadLetterFilter = {}): Promise<number> {
    const { where, values } = whereOf(filter);
    const rows = await this.#query<{ count: string }>(
      'count entries',
      `SELECT count(*) AS count FROM ${this.#names.entries} ${where}`,
      values,
    );
    return Number(rows[0]?.count ?? 0);
  }

  /**
   * Claims the newest unreplayed series of `id` in one `UPDATE … WHERE replay_task_id IS NULL
   * (or the claim is stale) RETURNING`: row locking makes one of two concurrent claims win.
   */
  async claimReplay(id: string, replayTaskId: string, staleAfterMs: number): Promise<ReplayClaim> {
    const key = pgSafeText(id);
    const t = this.#names.entries;
    const claimed = await this.#query(
      'claim an entry for replay',
      `UPDATE ${t} SET replay_task_id = COALESCE(replay_task_id, $2), replay_claimed_at = clock_timestamp()
       WHERE id = $1 AND replayed_at IS NULL
         AND series = (SELECT max(series) FROM ${t} WHERE id = $1 AND replayed_at IS NULL)
         AND (replay_task_id IS NULL OR replay_claimed_at < clock_timestamp() - $3 * interval '1 millisecond')
       RETURNING ${COLUMNS}`,
      [key, replayTaskId, staleAfterMs],
    );
    const row = claimed[0];
    if (row?.replay_task_id)
      return { status: 'claimed', entry: entryOf(row), replayTaskId: row.replay_task_id };
    const current = await this.#query(
      'read a replay claim',
      `SELECT ${COLUMNS} FROM ${t} WHERE id = $1 AND replayed_at IS NULL ORDER BY series DESC LIMIT 1`,
      [key],
    );
    const busy = current[0]?.replay_task_id;
    return busy ? { status: 'busy', replayTaskId: busy } : { status: 'missing' };
  }

  /** Marks the series replayed (kept as history: `list({ replayed: true })`). Idempotent. */
  async finishReplay(id: string, series: number): Promise<void> {
    await this.#query(
      'mark an entry replayed',
      `UPDATE ${this.#names.entries} SET replayed_at = clock_timestamp()
       WHERE id = $1 AND series = $2 AND replayed_at IS NULL`,
      [pgSafeText(id), series],
    );
  }

  /** Deletes every series of one id (or every row, replayed ones included); returns how many went. */
  async purge(id?: string): Promise<number> {
    const t = this.#names.entries;
    const result = await this.#run('purge entries', () =>
      id === undefined
        ? this.#pool.query(`DELETE FROM ${t}`)
        : this.#pool.query(`DELETE FROM ${t} WHERE id = $1`, [pgSafeText(id)]),
    );
    return result.rowCount ?? 0;
  }

  /** Closes the pool the store created (a pool you passed in stays open). */
  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }

  async #query<R extends object = Row>(operation: string, sql: string, values: unknown[]): Promise<R[]> {
    const result = await this.#run(operation, () => this.#pool.query<R>(sql, values));
    return result.rows;
  }

  async #run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new DeadLetterStoreError(operation, error, this.#names.schema);
    }
  }
}

/**
 * Creates a {@link PostgresDeadLetterStore} (no connection is made until it is used; call
 * `migrate()` once before the first use).
 * @example
 * ```ts
 * const store = createPostgresDeadLetterStore({ connection: process.env.DATABASE_URL! });
 * await store.migrate();
 * const app = createTaskApp({ redis, tasks, deadLetterStore: store });
 * ```
 */
export function createPostgresDeadLetterStore(
  options: PostgresDeadLetterStoreOptions,
): PostgresDeadLetterStore {
  return new PostgresDeadLetterStore(options);
}

function entryOf(row: Row): DeadLetterEntry {
  let id = row.id;
  try {
    const parsed = JSON.parse(row.record) as { id?: unknown };
    if (typeof parsed.id === 'string') id = parsed.id; // the exact id (the column is sanitised)
  } catch {
    // an unreadable record keeps the column's id
  }
  return deadLetterEntryOf(id, row.record, {
    replayTaskId: row.replay_task_id,
    replayedAt: row.replayed_at ? row.replayed_at.getTime() : null,
  });
}

function whereOf(filter: DeadLetterFilter): { where: string; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  if (filter.taskName !== undefined) conditions.push(`task_name = ${param(pgSafeText(filter.taskName))}`);
  if (filter.reason !== undefined) conditions.push(`reason LIKE ${param(likePrefix(filter.reason))}`);
  if (filter.since !== undefined)
    conditions.push(`dead_lettered_at >= to_timestamp(${param(filter.since)}::float8 / 1000)`);
  if (filter.until !== undefined)
    conditions.push(`dead_lettered_at < to_timestamp(${param(filter.until)}::float8 / 1000)`);
  const replayed = filter.replayed ?? false;
  if (replayed !== 'all') conditions.push(replayed ? 'replayed_at IS NOT NULL' : 'replayed_at IS NULL');
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', values };
}

function likePrefix(text: string): string {
  return `${pgSafeText(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
