import { flag, integerOption, stringOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { ConfigFileError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { nextStopSignal, noMoreArgs } from './shared.js';

/** `@tasks/dashboard`, imported on demand: it is an optional peer dependency. */
async function loadDashboard(): Promise<typeof import('@tasks/dashboard')> {
  try {
    return await import('@tasks/dashboard');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new ConfigFileError(
        null,
        null,
        'The dashboard is not installed next to @tasks/cli: npm install @tasks/dashboard',
      );
    throw error;
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** `tasks dashboard`: serves the web dashboard until SIGINT/SIGTERM. */
export const dashboardCommand: CommandSpec = {
  name: 'dashboard',
  summary: 'serve the web dashboard (queues, tasks, DLQ, schedules, locks, workers, groups)',
  usage: ['dashboard [--port N] [--host HOST] [--token TOKEN] [--base-path PATH]'],
  description:
    'Serves @tasks/dashboard for the app under --prefix on http://HOST:PORT (default ' +
    '127.0.0.1:8080, this machine only) until Ctrl-C. Read-only unless a token is given (--token, ' +
    'else TASKS_DASHBOARD_TOKEN): then signing in with it allows cancelling tasks, pausing and ' +
    'resuming queues, and replaying or purging dead letters. Works without a config file; with one, ' +
    'DLQ replays know the task classes. Needs @tasks/dashboard installed next to @tasks/cli.',
  options: {
    port: { type: 'string', value: 'N', help: 'port to listen on (default 8080; 0 picks a free one)' },
    host: { type: 'string', value: 'HOST', help: 'interface to bind (default 127.0.0.1)' },
    token: {
      type: 'string',
      value: 'TOKEN',
      help: 'token that allows changes (default TASKS_DASHBOARD_TOKEN; none: read-only)',
    },
    'base-path': { type: 'string', value: 'PATH', help: "serve under this path, e.g. '/dashboard'" },
    'read-only': { type: 'boolean', help: 'read-only even with a token' },
  },
  examples: [
    ['tasks dashboard', 'read-only, on http://127.0.0.1:8080/'],
    [
      'TASKS_DASHBOARD_TOKEN=$(openssl rand -hex 16) tasks dashboard --port 9000',
      'with changes allowed after sign-in',
    ],
  ],
  config: 'optional',
  async run(session, { args, values }) {
    noMoreArgs(args, 0, 'dashboard');
    const port = integerOption(values, 'port', 8080, 0, 65_535);
    const host = stringOption(values, 'host') ?? '127.0.0.1';
    const token = stringOption(values, 'token') ?? session.io.env.TASKS_DASHBOARD_TOKEN;
    const basePath = stringOption(values, 'base-path');
    const readOnly = flag(values, 'read-only');
    const dashboard = await loadDashboard();
    await session.redis();
    const served = await dashboard.serveDashboard({
      app: session.app,
      port,
      host,
      readOnly,
      ...(token ? { token } : {}),
      ...(basePath ? { basePath } : {}),
    });
    const mode = token && !readOnly ? 'changes allowed after sign-in with the token' : 'read-only';
    session.out.note(
      `Dashboard at ${served.url} (${mode}), prefix ${session.prefix}, ${session.shownUrl}. Stop with Ctrl-C.`,
    );
    if (!LOOPBACK.has(host))
      session.out.note(
        `Listening on ${host}: reachable from other machines over plain HTTP; put it behind TLS and your own authentication.`,
      );
    const stop = nextStopSignal();
    try {
      await stop.signal;
    } finally {
      stop.dispose();
      await served.close();
    }
    return ExitCode.OK;
  },
};
