// The handler without a browser: pages, escaping, the security headers, read-only mode, the
// token and CSRF checks on every mutation, and paging with 100 000 queued tasks and 10 000
// dead letters.
import { BaseTask, spawnWithCallback, type TaskContext } from '@tasks/core';
import { ExponentialBackoff } from '@tasks/retry';
import { describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { createDashboard, serveDashboard, type DashboardHandler } from '../src/index.js';
import { Doomed, Quick, useApps, waitUntil } from './helpers.js';

const apps = useApps();

/** Fails its first attempt; its retry waits a minute. */
class Flaky extends BaseTask<{ card: string }, string> {
  override retryPolicy = new ExponentialBackoff({ baseDelaySeconds: 60, maxRetries: 1 });
  async execute(): Promise<string> {
    throw new Error(`card ${this.args.card} declined`);
  }
}

/** Fans out to two children with a callback; returns the group id. */
class Parent extends BaseTask<{ n: number }, string> {
  async execute(ctx: TaskContext): Promise<string> {
    return spawnWithCallback(ctx, [new Quick({ n: 1 }), new Quick({ n: 2 })], new Quick({ n: 3 }));
  }
}
const ORIGIN = 'http://dash.test';

async function get(dashboard: DashboardHandler, path: string, headers: Record<string, string> = {}) {
  const response = await dashboard(new Request(`${ORIGIN}${path}`, { headers }));
  return { response, text: await response.text() };
}

function post(
  dashboard: DashboardHandler,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return dashboard(
    new Request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

/** The session cookie and the CSRF token of a signed-in browser. */
async function signIn(dashboard: DashboardHandler, token: string, base = '') {
  const login = await post(dashboard, `${base}/login`, { token });
  expect(login.status).toBe(303);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(cookie).toMatch(/^tasks_dashboard_session=.+/);
  const { text } = await get(dashboard, `${base}/dlq`, { cookie });
  const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1];
  expect(csrf).toBeTruthy();
  return { cookie, csrf: csrf ?? '' };
}

describe('pages', () => {
  it('renders every page with a strict CSP and escapes hostile values as text', async () => {
    const app = apps.app({ tasks: [Quick, Doomed], shards: 3 });
    const hostile = '"><img src=x onerror="alert(1)"><script>alert(2)</script>';
    const handle = await app.submit(new Quick({ n: 1 }), { labels: { note: hostile } });
    const dashboard = createDashboard({ app, basePath: '/ops/' });
    for (const path of [
      '/',
      '/tasks',
      '/tasks?state=succeeded',
      '/dlq',
      '/schedules',
      '/locks',
      '/workers',
      '/groups',
      '/login',
    ]) {
      const { response, text } = await get(dashboard, `/ops${path}`);
      expect(response.status, path).toBe(200);
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
      expect(policy).not.toContain('unsafe-inline');
      const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
      expect(text).toContain(`<script src="/ops/assets/dashboard.js" nonce="${nonce}" defer></script>`);
      expect(text.match(/<script/g)).toHaveLength(1);
    }
    for (const path of ['/tasks?state=queued', `/tasks/${handle.id}`]) {
      const { text } = await get(dashboard, `/ops${path}`);
      expect(text).toContain(
        '&quot;&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;',
      );
      expect(text).not.toContain('<img');
      expect(text.match(/<script/g)).toHaveLength(1);
    }
    expect((await get(dashboard, '/elsewhere')).response.status).toBe(404);
    expect((await get(dashboard, '/ops/tasks/no-such-id')).response.status).toBe(404);
    const css = await get(dashboard, '/ops/assets/dashboard.css');
    expect(css.response.headers.get('content-type')).toContain('text/css');
    dashboard.close();
  });

  it('lists fan-in groups from the group index, with their progress (groups on every shard)', async () => {
    const app = apps.app({ tasks: [Quick, Parent], shards: 3 });
    // Enough groups that they land on several shards (a group lives on the shard of its id).
    const groupIds = await Promise.all(Array.from({ length: 6 }, () => app.call(new Parent({ n: 0 }))));
    const groupId = groupIds[0] ?? '';
    expect(new Set(groupIds.map((id) => app.keys.shardOf(id))).size).toBeGreaterThan(1);
    const dashboard = createDashboard({ app });
    const listed = await get(dashboard, '/groups');
    for (const id of groupIds) expect(listed.text).toMatch(new RegExp(`data-group="${id}"[\\s\\S]*?0 / 2`));
    const open = await get(dashboard, '/groups');
    expect(open.text).toContain(`data-group="${groupId}"`);
    expect(open.text).toMatch(/class="state open">open<\/span>[\s\S]*0 \/ 2/);
    const worker = app.createWorker({ concurrency: 2 });
    void worker.run();
    await waitUntil(
      async () => (await get(dashboard, '/groups')).text.split('2 / 2').length - 1 === groupIds.length,
      'group done',
    );
    expect((await get(dashboard, `/groups?id=${groupId}`)).text).toContain('class="state fired">fired');
    await worker.close();
    // The overview's throughput counts the finished tasks of every shard.
    const succeeded = (await app.list({ state: 'succeeded', limit: 1_000 })).items;
    expect(new Set(succeeded.map((t) => app.keys.shardOf(t.id))).size).toBeGreaterThan(1);
    const overview = (await get(dashboard, '/')).text;
    expect(overview).toMatch(
      new RegExp(
        `data-series="succeeded">\\s*<div class="name">[^<]*</div>\\s*<div class="value">${succeeded.length}</div>`,
      ),
    );
  });
});

describe('task detail', () => {
  it('shows a task waiting for its retry with the error and stack of its failed attempt', async () => {
    const app = apps.app({ tasks: [Flaky] });
    const handle = await app.submit(new Flaky({ card: '4242' }));
    const worker = app.createWorker();
    void worker.run();
    await waitUntil(async () => (await app.inspect(handle.id))?.state === 'delayed', 'retry scheduled');
    await worker.close();
    const dashboard = createDashboard({ app });
    const { text } = await get(dashboard, `/tasks/${handle.id}`);
    expect(text).toContain('class="state delayed">delayed');
    expect(text).toContain('Errors of earlier attempts');
    expect(text).toMatch(/attempt 0: <strong>Error<\/strong> card 4242 declined/);
    expect(text).toMatch(/<pre>Error: card 4242 declined\n\s+at /);
    expect(text).toContain('&quot;card&quot;: &quot;4242&quot;');
    dashboard.close();
  });
});

describe('read-only mode and mutations', () => {
  it('is read-only without a token, and with readOnly: no forms, every POST refused', async () => {
    const app = apps.app({ tasks: [Quick, Doomed] });
    await app.submit(new Quick({ n: 1 }));
    for (const dashboard of [
      createDashboard({ app }),
      createDashboard({ app, token: 'secret', readOnly: true }),
    ]) {
      const { text } = await get(dashboard, '/', { authorization: 'Bearer secret' });
      expect(text).toContain('read-only');
      expect(text).not.toContain('class="action"');
      for (const action of ['pause', 'resume', 'cancel', 'dlq-replay', 'dlq-purge']) {
        const response = await post(
          dashboard,
          `/actions/${action}`,
          { id: 'x', confirm: 'yes' },
          { authorization: 'Bearer secret' },
        );
        expect(response.status, action).toBe(403);
        expect(await response.text()).toContain('read-only');
      }
    }
    expect((await app.status()).streams.some((s) => s.paused)).toBe(false);
  });

  it('needs the token (bearer, or cookie plus CSRF token) and a same-origin request', async () => {
    const app = apps.app({ tasks: [Quick, Doomed] });
    const token = 'correct horse battery staple';
    const dashboard = createDashboard({ app, token });
    // No credentials, a wrong token, a cookie without CSRF, a foreign origin: refused.
    expect((await post(dashboard, '/actions/pause', {})).status).toBe(403);
    expect((await post(dashboard, '/actions/pause', {}, { authorization: 'Bearer wrong' })).status).toBe(403);
    const wrongLogin = await post(dashboard, '/login', { token: 'wrong' });
    expect(wrongLogin.headers.get('location')).toBe('/login?failed=1');
    expect(wrongLogin.headers.get('set-cookie')).toBeNull();
    const { cookie, csrf } = await signIn(dashboard, token);
    expect((await post(dashboard, '/actions/pause', {}, { cookie })).status).toBe(403);
    expect((await post(dashboard, '/actions/pause', { csrf: `${csrf}x` }, { cookie })).status).toBe(403);
    expect(
      (await post(dashboard, '/actions/pause', { csrf }, { cookie, origin: 'http://evil.test' })).status,
    ).toBe(403);
    expect((await app.status()).streams.some((s) => s.paused)).toBe(false);
    // The signed-in browser with its CSRF token, and a bearer token: allowed.
    const paused = await post(
      dashboard,
      '/actions/pause',
      { csrf, priority: 'realtime', back: '/tasks' },
      { cookie, origin: ORIGIN },
    );
    expect(paused.status).toBe(303);
    expect(paused.headers.get('location')).toBe('/tasks?done=paused');
    expect((await app.status()).streams.filter((s) => s.paused).map((s) => s.priority)).toEqual([
      'realtime',
      'realtime',
      'realtime',
    ]);
    expect((await post(dashboard, '/actions/resume', {}, { authorization: `Bearer ${token}` })).status).toBe(
      303,
    );
    expect((await app.status()).streams.some((s) => s.paused)).toBe(false);
    // An open redirect through `back` is not possible.
    const away = await post(dashboard, '/actions/resume', { csrf, back: '//evil.test/x' }, { cookie });
    expect(away.headers.get('location')).toBe('/?done=resumed');
    // Cancel a queued task; purge needs its confirmation box.
    const handle = await app.submit(new Quick({ n: 2 }));
    expect(
      (await post(dashboard, '/actions/cancel', { csrf, id: handle.id }, { cookie })).headers.get('location'),
    ).toContain('done=cancelled');
    expect((await app.inspect(handle.id))?.state).toBe('cancelled');
    expect((await post(dashboard, '/actions/dlq-purge', { csrf }, { cookie })).status).toBe(400);
    dashboard.close();
  });
});

describe('serveDashboard', () => {
  it('binds to loopback and answers only requests addressed to a loopback name', async () => {
    const app = apps.app({ tasks: [Quick] });
    const served = await serveDashboard({ app, port: 0 });
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const status = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest(served.url, { headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.once('error', reject);
          req.end();
        });
      const port = new URL(served.url).port;
      expect(await status(`127.0.0.1:${port}`)).toBe(200);
      expect(await status(`localhost:${port}`)).toBe(200);
      expect(await status(`rebound.example:${port}`)).toBe(421);
    } finally {
      await served.close();
    }
  });
});

describe('scale', () => {
  it('pages through 100 000 queued tasks and 10 000 dead letters', async () => {
    const app = apps.app({ tasks: [Quick, Doomed] });
    const redis = app.redis;
    for (let i = 0; i < 100_000; i += 5_000)
      await app.submitMany(Array.from({ length: 5_000 }, (_, j) => new Quick({ n: i + j })));
    // 10 000 dead letters written directly (ZADD + HSET in large batches), as the broker records them.
    const k = app.keys;
    for (let i = 0; i < 10_000; i += 1_000) {
      const scores: Array<string | number> = [];
      const data: string[] = [];
      for (let j = i; j < i + 1_000; j++) {
        const id = `dead-${String(j).padStart(5, '0')}`;
        scores.push(1_700_000_000_000 + j, id);
        const record = {
          id,
          name: 'Doomed',
          status: 'dead-lettered',
          reason: 'no retry left',
          errors: [],
          attempts: 1,
          deliveries: 1,
          submittedAt: 1_700_000_000_000,
          startedAt: null,
          finishedAt: 1_700_000_000_000 + j,
          durationMs: 0,
          parentId: null,
          groupId: null,
          worker: null,
          labels: { batch: String(j % 10) },
          payload: JSON.stringify({ i: id, n: 'Doomed', a: { why: 'test' }, t: 0, s: 1_700_000_000_000 }),
        };
        data.push(id, JSON.stringify(record));
      }
      await redis.command(['ZADD', k.dlq, ...scores], { key: k.dlq });
      await redis.command(['HSET', k.dlqData, ...data], { key: k.dlqData });
    }
    const dashboard = createDashboard({ app });
    const timed = async (path: string) => {
      const started = Date.now();
      const result = await get(dashboard, path);
      expect(result.response.status, path).toBe(200);
      // A generous bound on a busy shared machine; the pages read a bounded amount whatever the size.
      expect(Date.now() - started, path).toBeLessThan(20_000);
      return result.text;
    };
    const overview = await timed('/');
    expect(overview).toMatch(/<div class="value">100000<\/div>\s*<div class="name">queued/);
    expect(overview).toMatch(/<div class="value">10000<\/div>\s*<div class="name">dead-lettered/);

    const rows = (text: string) => [...text.matchAll(/data-task-id="([^"]+)"/g)].map((m) => m[1]);
    const first = await timed('/tasks?state=queued');
    expect(rows(first)).toHaveLength(50);
    const next = /<a class="next" rel="next" href="([^"]+)"/.exec(first)?.[1]?.replace(/&amp;/g, '&');
    expect(next).toContain('cursor=');
    const second = await timed(next ?? '');
    expect(rows(second)).toHaveLength(50);
    expect(rows(second).filter((id) => rows(first).includes(id))).toEqual([]);
    // A filter reads a bounded number of tasks per request, and offers to go on.
    const filtered = await timed('/tasks?state=queued&name=Nope');
    expect(filtered).toMatch(/0 match\(es\) among \d+ tasks read/);
    expect(Number(/among (\d+) tasks read/.exec(filtered)?.[1])).toBeLessThanOrEqual(2_500);
    expect(filtered).toContain('rel="next"');
    // A task deep in the queue: its detail page.
    const deep = rows(second)[10] ?? '';
    expect(await timed(`/tasks/${deep}`)).toMatch(/60 ahead/);

    const dlq = await timed('/dlq');
    expect([...dlq.matchAll(/data-dlq-id="/g)]).toHaveLength(50);
    expect(dlq).toContain('entries 1–50 of 10000');
    const dlqNext = await timed('/dlq?offset=9950');
    expect(dlqNext).toContain('entries 9951–10000 of 10000');
    expect(dlqNext).toContain('data-dlq-id="dead-09999"');
    expect(dlqNext).not.toContain('rel="next"');
    await timed('/dlq/dead-04242');
    await timed('/tasks?state=dead-lettered&label=batch%3D3');
    dashboard.close();
  }, 120_000);
});
