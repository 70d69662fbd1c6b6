import { checkRedis, type RedisCheckReport, type RedisChecksMode, type RedisFinding } from '@tasks/redis';
import { stringOption, type OptionValues } from '../args.js';
import type { CommandSpec } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Session } from '../session.js';
import { renderPairs, renderTable } from '../table.js';
import { noMoreArgs } from './shared.js';

/** `tasks doctor`: every check of the Redis configuration, with what each finding risks. */
export const doctorCommand: CommandSpec = {
  name: 'doctor',
  summary: "checks Redis' configuration: eviction policy, persistence, version, memory",
  usage: ['doctor [--json]'],
  description:
    'Checks the Redis the app uses and prints every finding: an eviction policy other than ' +
    'noeviction (what can be lost or doubled), no AOF/RDB persistence (a restart loses queued ' +
    'tasks), a version too old for the scripts, memory near maxmemory. Works for a ' +
    'least-privilege ACL user (INFO is read when CONFIG GET is denied). Exits 1 when a finding ' +
    'is a warning or an error, 0 otherwise. Works without a config file.',
  options: {},
  examples: [
    ['tasks doctor', 'the findings for people'],
    ['tasks doctor --json | jq ".findings[] | select(.level != \\"info\\")"', 'for scripts'],
  ],
  config: 'optional',
  async run(session, { args }) {
    noMoreArgs(args, 0, 'doctor');
    const report = await checkRedis(await session.redis());
    if (session.out.json) session.out.data(report);
    else session.out.print(renderReport(session, report));
    return report.findings.some((f) => f.level !== 'info') ? ExitCode.FAILED : ExitCode.OK;
  },
};

const MARK: Readonly<Record<RedisFinding['level'], string>> = {
  error: 'ERROR',
  warning: 'WARNING',
  info: 'ok',
};

function renderReport(session: Session, report: RedisCheckReport): string {
  const problems = report.findings.filter((f) => f.level !== 'info').length;
  const summary = renderPairs([
    ['Redis', session.shownUrl],
    ['Version', report.version ?? 'unknown'],
    ['Result', problems === 0 ? 'no problem found' : `${problems} problem(s) found`],
  ]);
  const table = renderTable(
    [{ header: 'LEVEL' }, { header: 'CHECK' }, { header: 'FINDING' }],
    report.findings.map((f) => [MARK[f.level], f.check, f.message]),
  );
  return `${summary}\n\n${table}`;
}

/**
 * The warnings and errors of the Redis checks, as lines for `status` (empty when none, or when
 * Redis could not be checked).
 */
export async function redisProblems(session: Session): Promise<RedisFinding[]> {
  try {
    const report = await checkRedis(await session.redis());
    return report.findings.filter((f) => f.level !== 'info');
  } catch {
    return [];
  }
}

/** The `--redis-checks` option of `worker` and `scheduler`. */
export const REDIS_CHECKS_OPTION = {
  type: 'string',
  value: 'MODE',
  help: 'checks of Redis at start: warn (default: log them), strict (refuse to start on a warning), off',
} as const;

/** The value of `--redis-checks`, checked. @throws UsageError for anything but warn, strict, off. */
export function redisChecksOf(values: OptionValues): RedisChecksMode | undefined {
  const mode = stringOption(values, 'redis-checks');
  if (mode === undefined) return undefined;
  if (mode === 'warn' || mode === 'strict' || mode === 'off') return mode;
  throw new UsageError(`--redis-checks must be one of warn, strict, off, got '${mode}'`);
}
