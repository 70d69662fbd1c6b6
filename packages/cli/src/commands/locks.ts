import { listLocks, type LockInfo } from '@tasks/locks';
import type { CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatDuration, formatFields, truncate } from '../format.js';
import { renderTable } from '../table.js';
import { noMoreArgs, safeJson } from './shared.js';

/** `tasks locks [pattern]`: lock keys with their holders, owners and TTLs. */
export const locksCommand: CommandSpec = {
  name: 'locks',
  summary: 'locks and limiters held now: holders, owners, TTLs',
  usage: ['locks [pattern]'],
  description:
    'Scans Redis (every master of a cluster) for mutexes, readers-writer locks, concurrency and ' +
    'rate limiters, and lists each holder with its owner id, role, lease left (server clock) and ' +
    'metadata (task id, worker, interactive). The pattern is a Redis glob on the key; one without ' +
    '* or ? matches keys containing it. Works without a config file.',
  options: {},
  examples: [
    ['tasks locks', 'every lock'],
    ['tasks locks job', 'keys containing "job", e.g. lock:mutex:job:42'],
    ["tasks locks 'lock:mutex:*' --json", 'mutexes only, as JSON'],
  ],
  config: 'optional',
  async run(session, { args }) {
    noMoreArgs(args, 1, 'locks');
    const given = args[0] ?? '*';
    const pattern = /[*?[]/.test(given) ? given : `*${given}*`;
    const locks = await listLocks(await session.redis(), pattern);
    if (session.out.json) {
      session.out.print(safeJson(locks));
      return ExitCode.OK;
    }
    if (locks.length === 0) {
      session.out.print(`No locks match ${pattern}.`);
      return ExitCode.OK;
    }
    session.out.print(
      renderTable(
        [
          { header: 'KEY' },
          { header: 'KIND' },
          { header: 'ROLE' },
          { header: 'OWNER' },
          { header: 'TTL', align: 'right' },
          { header: 'METADATA' },
        ],
        locks.flatMap(rowsOf),
      ),
    );
    return ExitCode.OK;
  },
};

function rowsOf(lock: LockInfo): string[][] {
  if (lock.kind === 'rate')
    return [[lock.key, lock.kind, '-', '-', '-', `${lock.used ?? 0} unit(s) in the window`]];
  if (lock.holders.length === 0) return [[lock.key, lock.kind, '-', '(free)', '-', '']];
  return lock.holders.map((h) => [
    lock.key,
    lock.kind,
    h.role,
    h.ownerId,
    formatDuration(h.ttlMs),
    truncate(formatFields(h.metadata), 80),
  ]);
}
