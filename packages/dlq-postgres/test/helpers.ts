// Test helpers: a private schema per test file in the machine's PostgreSQL (dropped afterwards,
// never touching other data), task classes that dead-letter, and a TCP relay that can stand in
// for an unreachable PostgreSQL.
import { randomBytes } from 'node:crypto';
import { createServer, Socket, type Server } from 'node:net';
import { BaseTask } from '@tasks/core';
import { freePort } from '@tasks/testing';
import pg from 'pg';
import { afterAll } from 'vitest';
import { createPostgresDeadLetterStore, type PostgresDeadLetterStore } from '../src/index.js';

/** The PostgreSQL the tests use: `TASKS_PG_URL`, else the local server's `test` database. */
export const PG_URL = process.env.TASKS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A task that always fails and goes to the DLQ at once. */
export class Doomed extends BaseTask<unknown, never> {
  override dlqEligible = true;
  async execute(): Promise<never> {
    throw new Error('doomed on purpose');
  }
}

/** A schema name no other run uses. */
export function uniqueSchema(): string {
  return `tasks_dlq_test_${randomBytes(6).toString('hex')}`;
}

/**
 * Stores in private schemas: each store gets its own schema (migrated unless told not to);
 * after the file, the stores are closed and their schemas dropped.
 */
export function useStores(): {
  store(options?: { schema?: string; migrate?: boolean; url?: string }): Promise<PostgresDeadLetterStore>;
  sql<R extends object>(text: string, values?: unknown[]): Promise<R[]>;
} {
  const stores: PostgresDeadLetterStore[] = [];
  const schemas = new Set<string>();
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });
  return {
    async store(options = {}) {
      const schema = options.schema ?? uniqueSchema();
      schemas.add(schema);
      const store = createPostgresDeadLetterStore({
        connection: options.url ?? PG_URL,
        schema,
        connectionTimeoutMs: 1000,
      });
      stores.push(store);
      if (options.migrate ?? true) await store.migrate();
      return store;
    },
    async sql<R extends object>(text: string, values: unknown[] = []) {
      return (await admin.query<R>(text, values)).rows;
    },
  };
}

/**
 * A TCP relay on a port of its own to `target` (PostgreSQL). While closed, connections to its
 * port are refused, as to a stopped server; `open()` starts relaying.
 */
export class Relay {
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();
  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async create(target: { host: string; port: number }): Promise<Relay> {
    return new Relay(await freePort(), target);
  }

  get url(): string {
    const url = new URL(PG_URL);
    url.host = `127.0.0.1:${this.port}`;
    return url.toString();
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = new Socket();
      this.#sockets.add(client).add(upstream);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      upstream.connect(this.target.port, this.target.host, () => {
        client.pipe(upstream);
        upstream.pipe(client);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Host and port of {@link PG_URL}. */
export function pgAddress(): { host: string; port: number } {
  const url = new URL(PG_URL);
  return { host: url.hostname, port: Number(url.port || 5432) };
}
