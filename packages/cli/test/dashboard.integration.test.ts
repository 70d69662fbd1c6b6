// `tasks dashboard`: serves the web dashboard of the app under --prefix, read-only without a
// token, with sign-in and changes when one is given, and stops on SIGTERM.
import { describe, expect, it } from 'vitest';
import { runTasks, startTasks, useRedis } from './helpers.js';

const r = useRedis('cli-dash');

describe('dashboard', () => {
  it('serves the overview read-only on 127.0.0.1 and stops on SIGTERM', async () => {
    const prefix = r.prefix();
    const queued = await runTasks(['submit', 'Add', '--args', '{"a":1,"b":2}', ...r.cli(prefix)]);
    expect(queued.code, queued.stderr).toBe(0);
    const dashboard = startTasks(['dashboard', '--port', '0', ...r.cli(prefix)]);
    try {
      await dashboard.waitFor(/Dashboard at http:\/\/127\.0\.0\.1:\d+\/ \(read-only\)/);
      const url = /Dashboard at (\S+)/.exec(dashboard.stderr())?.[1] ?? '';
      const overview = await fetch(url);
      expect(overview.status).toBe(200);
      expect(await overview.text()).toMatch(/<div class="value">1<\/div>\s*<div class="name">queued/);
      const refused = await fetch(`${url}actions/pause`, { method: 'POST' });
      expect(refused.status).toBe(403);
    } finally {
      const stopped = await dashboard.stop('SIGTERM');
      expect(stopped.code).toBe(0);
    }
  });

  it('allows changes with the token from TASKS_DASHBOARD_TOKEN', async () => {
    const prefix = r.prefix();
    const dashboard = startTasks(['dashboard', '--port', '0', '--base-path', '/ops', ...r.cli(prefix)], {
      env: { TASKS_DASHBOARD_TOKEN: 'cli-token' },
    });
    try {
      await dashboard.waitFor(/Dashboard at http:\/\/127\.0\.0\.1:\d+\/ops\/ \(changes allowed/);
      const url = /Dashboard at (\S+)/.exec(dashboard.stderr())?.[1] ?? '';
      const paused = await fetch(`${url}actions/pause`, {
        method: 'POST',
        headers: { authorization: 'Bearer cli-token' },
        redirect: 'manual',
      });
      expect(paused.status).toBe(303);
      const members = await r.redis().command(['SCARD', `{${prefix}}:paused`], { key: `{${prefix}}:paused` });
      expect(Number(members)).toBe(9);
    } finally {
      await dashboard.stop('SIGTERM');
    }
  });
});
