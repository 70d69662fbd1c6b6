import type { OptionSpec } from './args.js';
import type { CommandSpec } from './command.js';

/** Options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  config: {
    type: 'string',
    value: 'FILE',
    help: 'config file (default: tasks.config.ts, .mts, .js or .mjs here)',
  },
  'redis-url': {
    type: 'string',
    value: 'URL',
    help: "Redis URL (default: TASKS_REDIS_URL, else the config's redisUrl, else redis://127.0.0.1:6379)",
  },
  client: {
    type: 'string',
    value: 'NAME',
    help: 'ioredis or node-redis (default: the first installed, ioredis first)',
  },
  prefix: {
    type: 'string',
    value: 'P',
    help: "key prefix of the app (default: the config's prefix, else tasks)",
  },
  'connect-timeout-ms': {
    type: 'string',
    value: 'N',
    help: 'give up connecting to Redis after N ms (default 5000)',
  },
  json: {
    type: 'boolean',
    help: 'print JSON for scripts instead of tables (NDJSON events for worker, scheduler, events)',
  },
  debug: { type: 'boolean', help: 'print stack traces of errors' },
  help: { type: 'boolean', short: 'h', help: 'show help (tasks <command> --help for a command)' },
  version: { type: 'boolean', short: 'v', help: 'print the version' },
};

const EXIT_CODES = [
  '0    success',
  '1    the task failed (call, submit --wait), or the task id or DLQ entry does not exist',
  '2    usage error: unknown command or option, bad value, invalid --args JSON, unknown task',
  '3    config error: no config file, one that does not load, a bad field or override',
  '4    Redis unreachable, or a Redis error',
  '5    a lock stayed held for --wait-ms (call)',
  '6    no result within --timeout-ms (submit --wait, cancel --wait)',
  '130  interrupted (Ctrl-C during call)',
];

function wrap(text: string, width = 78, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width - indent.length) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const entries = Object.entries(options).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '';
    return [`${short}--${name}${spec.value ? ` ${spec.value}` : ''}`, spec.help] as const;
  });
  const width = Math.max(...entries.map(([left]) => left.length));
  return entries.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`);
}

/** `tasks --help`. */
export function globalHelp(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'tasks — run and inspect @tasks task apps on Redis',
    '',
    'Usage: tasks <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Config: a tasks.config.ts (or .mts, .js, .mjs) in the working directory exports',
    '  export default defineConfig({ tasks: [SendEmail, ...], redisUrl?, prefix?, overrides?, dependencies?, vos? })',
    "  (defineConfig comes from '@tasks/cli'; overrides is an object or a JSON/YAML file path).",
    '',
    'Exit codes:',
    ...EXIT_CODES.map((line) => `  ${line}`),
    '',
    'Examples:',
    '  tasks worker --concurrency 20',
    `  tasks submit SendEmail --args '{"to":"ada@example.org"}' --wait`,
    '  tasks status --json',
    '',
    'Run tasks <command> --help for the options of a command.',
  ].join('\n');
}

/** `tasks <command> --help`. */
export function commandHelp(command: CommandSpec): string {
  const options =
    Object.keys(command.options).length > 0 ? ['', 'Options:', ...optionLines(command.options)] : [];
  return [
    `Usage: ${command.usage.map((u) => `tasks ${u}`).join('\n       ')}`,
    '',
    wrap(command.description),
    ...options,
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Examples:',
    ...command.examples.flatMap(([line, comment]) => [`  ${line}`, `      ${comment}`]),
    '',
    'Exit codes:',
    ...EXIT_CODES.map((line) => `  ${line}`),
  ].join('\n');
}
