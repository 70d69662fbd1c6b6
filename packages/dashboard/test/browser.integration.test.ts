// End to end in headless Chromium (Debian's `chromium`, driven by playwright-core; nothing is
// downloaded): the overview opens and goes live, a task appears, its detail shows it running
// with its lock and then finished — live, without a reload —, a dead letter is replayed with
// the token (refused without), and hostile labels and args stay text.
import { existsSync } from 'node:fs';
import { BaseTask, type TaskApp, type TaskContext } from '@tasks/core';
import { LockedObjectType, MutexLock, type BaseLock } from '@tasks/locks';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard, type DashboardServer } from '../src/index.js';
import { Doomed, useApps, waitUntil } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'browser-test-token';

let release: () => void = () => undefined;
const gate = new Promise<void>((resolve) => (release = resolve));

/** Runs under a mutex until the gate opens. */
class Report extends BaseTask<{ month: string }, string> {
  override get executionLocks(): BaseLock[] {
    return [new MutexLock(LockedObjectType.TASK, 'Report')];
  }
  async execute(ctx: TaskContext): Promise<string> {
    await ctx.progress({ step: 1 });
    await gate;
    return `report ${this.args.month}`;
  }
}

class Echo extends BaseTask<{ text: string }, string> {
  async execute(): Promise<string> {
    return this.args.text;
  }
}

const apps = useApps();
let app: TaskApp;
let served: DashboardServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  app = apps.app({ tasks: [Report, Echo, Doomed] });
  void app.createWorker({ concurrency: 4, idleTimeoutMs: 1_500 }).run();
  served = await serveDashboard({ app, port: 0, token: TOKEN, basePath: '/dash' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage();
  page.setDefaultTimeout(20_000);
}, 60_000);

afterAll(async () => {
  release();
  await browser?.close();
  await served?.close();
});

describe('the dashboard in Chromium', () => {
  it('opens the overview and goes live', async () => {
    await page.goto(served.url);
    await expect(page.title()).resolves.toBe('Overview · tasks');
    await page.locator('#live-status.on').waitFor();
    await expect(page.locator('[data-card="workers alive"] .value').textContent()).resolves.toBe('1');
  });

  it('shows a submitted task appear, run with its lock, and finish, live', async () => {
    await page.goto(`${served.url}tasks?state=running`);
    await page.locator('#live-status.on').waitFor();
    const handle = await app.submit(new Report({ month: '2026-11' }));
    const row = page.locator(`tr[data-task-id="${handle.id}"]`);
    await row.waitFor(); // appears without a reload
    await row.locator('a').first().click();
    await page.waitForURL(`**/dash/tasks/${handle.id}`);
    await expect(page.locator('.state').first().textContent()).resolves.toBe('running');
    await expect(page.locator('pre.args').textContent()).resolves.toContain('"month": "2026-11"');
    // Its lock, with its owner: on the locks page.
    const locks = await browser.newPage();
    await locks.goto(`${served.url}locks`);
    const lock = locks.locator('tr[data-lock$=":lock:mutex:task:Report"]');
    await lock.waitFor();
    await expect(lock.locator('.owner').textContent()).resolves.toMatch(/\S+/);
    await expect(lock.locator(`a[href$="/tasks/${handle.id}"]`).count()).resolves.toBe(1);
    await locks.close();
    // The run ends: the detail page turns to succeeded by itself (the same document: no reload).
    await page.evaluate(() => ((globalThis as { __marker?: number }).__marker = 1));
    release();
    await page.locator('.state.succeeded').waitFor();
    await expect(page.evaluate(() => (globalThis as { __marker?: number }).__marker)).resolves.toBe(1);
    await expect(page.locator('pre.value').textContent()).resolves.toContain('report 2026-11');
  });

  it('replays a dead letter with the token, and refuses without it', async () => {
    const doomed = await app.submit(new Doomed({ why: 'card declined' }));
    await waitUntil(async () => (await app.dlq.size()) === 1, 'dead-lettered');
    await page.goto(`${served.url}dlq`);
    const row = page.locator(`tr[data-dlq-id="${doomed.id}"]`);
    await row.waitFor();
    await expect(row.locator('button').count()).resolves.toBe(0); // not signed in: no button
    // A forged POST without the token (from the page's own origin) is refused.
    const refused = await page.evaluate(async (url) => {
      const r = await fetch(url, { method: 'POST', body: new URLSearchParams({ id: 'x' }) });
      return { status: r.status, text: await r.text() };
    }, `${served.url}actions/dlq-replay`);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Sign in');
    expect(await app.dlq.size()).toBe(1);
    // Sign in, then replay.
    await page.goto(`${served.url}login`);
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button[type="submit"]');
    await page.locator('.notice').waitFor();
    await page.goto(`${served.url}dlq`);
    await row.locator('button[data-action="dlq-replay"]').click();
    await page.waitForURL(/\/dash\/tasks\/[^/?]+\?done=replayed$/);
    await expect(page.locator('.notice').textContent()).resolves.toContain('Replayed');
    expect(page.url()).not.toContain(doomed.id);
    expect(await app.dlq.get(doomed.id)).toBeNull();
  });

  it('renders hostile labels and args as text, and runs no script from them', async () => {
    const payloads = [
      '<script>window.__pwned = 1</script>',
      '"><img src=x onerror="window.__pwned = 2">',
      '\'><svg onload="window.__pwned = 3">',
    ];
    const handle = await app.submit(new Echo({ text: payloads.join(' ') }), {
      labels: { a: payloads[0] ?? '', b: payloads[1] ?? '' },
      delayMs: 60_000, // stays delayed: shown with its args
    });
    for (const path of [`tasks/${handle.id}`, 'tasks?state=delayed']) {
      await page.goto(`${served.url}${path}`);
      await page.locator('#live-status.on').waitFor();
      const main = page.locator('#main');
      for (const text of payloads.slice(0, 2)) await expect(main.textContent()).resolves.toContain(text);
      await expect(main.locator('img, svg, script').count()).resolves.toBe(0);
      await expect(
        page.evaluate(() => (globalThis as { __pwned?: number }).__pwned),
      ).resolves.toBeUndefined();
    }
    // On the detail page the args are shown too, as JSON text.
    await page.goto(`${served.url}tasks/${handle.id}`);
    const args = await page.locator('pre.args').textContent();
    expect(args).toContain('<script>window.__pwned = 1</script>');
    expect(args).toContain("'><svg onload=");
    await expect(page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
  });
});
