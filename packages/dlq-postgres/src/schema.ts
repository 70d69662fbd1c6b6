// The store's schema, created by an explicit `migrate()` call (never at import). Every
// statement is idempotent and migrations run under a transaction-scoped advisory lock, so
// several processes may call `migrate()` at once.

/** A quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The names of the store's relations in one schema. */
export interface SchemaNames {
  readonly schema: string;
  /** Schema-qualified, quoted table of entries. */
  readonly entries: string;
  /** Schema-qualified, quoted table of applied migrations. */
  readonly migrations: string;
  /** Prefix of index names (unqualified, quoted per use). */
  readonly table: string;
}

/** Builds the relation names of a schema and table. */
export function schemaNames(schema: string, table: string): SchemaNames {
  const s = quoteIdent(schema);
  return {
    schema,
    table,
    entries: `${s}.${quoteIdent(table)}`,
    migrations: `${s}.${quoteIdent(`${table}_migrations`)}`,
  };
}

/** The migrations, in order: version n is `MIGRATIONS[n - 1]`. */
export function migrations(names: SchemaNames): ReadonlyArray<readonly string[]> {
  const t = names.entries;
  const index = (suffix: string): string => quoteIdent(`${names.table}_${suffix}`);
  return [
    [
      // One row per dead-lettered attempt series: (id, series) makes a repeated forward a no-op.
      `CREATE TABLE IF NOT EXISTS ${t} (
        id text NOT NULL,
        series bigint NOT NULL,
        task_id text,
        task_name text,
        reason text NOT NULL,
        args jsonb,
        errors jsonb NOT NULL,
        dead_lettered_at timestamptz NOT NULL,
        record text NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        replay_task_id text,
        replay_claimed_at timestamptz,
        replayed_at timestamptz,
        PRIMARY KEY (id, series)
      )`,
      `CREATE INDEX IF NOT EXISTS ${index('at')} ON ${t} (dead_lettered_at, id)`,
      `CREATE INDEX IF NOT EXISTS ${index('pending_at')} ON ${t} (dead_lettered_at, id) WHERE replayed_at IS NULL`,
      `CREATE INDEX IF NOT EXISTS ${index('name_at')} ON ${t} (task_name, dead_lettered_at)`,
      `CREATE INDEX IF NOT EXISTS ${index('reason')} ON ${t} (reason text_pattern_ops)`,
    ],
  ];
}
