import { readFileSync } from 'node:fs';
import {
  flag,
  integerOption,
  parseCommandLine,
  stringOption,
  type OptionSpec,
  type ParsedArgs,
} from './args.js';
import type { CommandSpec } from './command.js';
import { COMMANDS } from './commands/index.js';
import { UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { commandHelp, GLOBAL_OPTIONS, globalHelp } from './help.js';
import { Output, type CliIo } from './output.js';
import { debugStack, reportError } from './report.js';
import { Session, type GlobalOptions } from './session.js';

const ALL_OPTIONS: Readonly<Record<string, OptionSpec>> = Object.assign(
  {},
  GLOBAL_OPTIONS,
  ...COMMANDS.map((c) => c.options),
) as Record<string, OptionSpec>;

/** The process's own streams, environment and working directory. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** The version of this package. */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}

/**
 * Runs the `tasks` command line: parses `argv` (without `node` and the script), runs the
 * command, prints any error as one line on stderr (with its stack under `--debug`), and
 * returns the exit code (see {@link ExitCode}). Long-running commands (`worker`,
 * `scheduler`) resolve once they have shut down after SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * import { runCli } from '@tasks/cli';
 * process.exitCode = await runCli(['status', '--json']);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  let debug = argv.includes('--debug');
  const out = new Output(io, argv.includes('--json'));
  try {
    const parsed = parseCommandLine(argv, ALL_OPTIONS);
    debug = flag(parsed.values, 'debug');
    return await dispatch(parsed, io, out);
  } catch (error) {
    const report = reportError(error);
    out.endProgress();
    out.note(`tasks: ${report.message}`);
    if (debug) out.raw(debugStack(error));
    else if (report.unexpected) out.note('(run again with --debug for the stack trace)');
    return report.exitCode;
  }
}

async function dispatch(parsed: ParsedArgs, io: CliIo, out: Output): Promise<ExitCode> {
  const { positionals, values } = parsed;
  if (flag(values, 'version')) {
    out.print(cliVersion());
    return ExitCode.OK;
  }
  const name = positionals[0] === 'help' ? positionals[1] : positionals[0];
  const help = flag(values, 'help') || positionals[0] === 'help';
  if (name === undefined) {
    if (help) {
      out.print(globalHelp(COMMANDS));
      return ExitCode.OK;
    }
    out.raw(globalHelp(COMMANDS));
    return ExitCode.USAGE;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command)
    throw new UsageError(
      `Unknown command '${name}'. Commands: ${COMMANDS.map((c) => c.name).join(', ')} (tasks --help)`,
    );
  checkOptions(command, parsed.used);
  if (help) {
    out.print(commandHelp(command));
    return ExitCode.OK;
  }
  const session = await Session.open(io, globalOptions(parsed), command.config);
  try {
    return await command.run(session, { args: positionals.slice(1), values });
  } finally {
    await session.close();
  }
}

function checkOptions(command: CommandSpec, used: ReadonlySet<string>): void {
  for (const option of used) {
    if (option in GLOBAL_OPTIONS || option in command.options) continue;
    throw new UsageError(
      `Option --${option} does not apply to 'tasks ${command.name}' (tasks ${command.name} --help)`,
    );
  }
}

function globalOptions({ values }: ParsedArgs): GlobalOptions {
  return {
    config: stringOption(values, 'config'),
    redisUrl: stringOption(values, 'redis-url'),
    client: stringOption(values, 'client'),
    prefix: stringOption(values, 'prefix'),
    connectTimeoutMs: integerOption(values, 'connect-timeout-ms', 5_000, 1),
    json: flag(values, 'json'),
    debug: flag(values, 'debug'),
  };
}
