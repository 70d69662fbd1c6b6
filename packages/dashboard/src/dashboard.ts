// The dashboard as one fetch-style handler: Request in, Response out. Routing, the security
// headers (a strict CSP with a per-response nonce), sign-in, the actions and the event stream.
import { randomBytes } from 'node:crypto';
import { isTasksError } from '@tasks/redis';
import type { TaskApp } from '@tasks/core';
import { ActionInputError, runAction } from './actions.js';
import { DASHBOARD_CSS } from './assets/css.js';
import { DASHBOARD_JS } from './assets/js.js';
import { Auth } from './auth.js';
import type { Page, PageContext } from './context.js';
import { html } from './html.js';
import { documentOf, mainOf } from './layout.js';
import { EventHub, eventStreamResponse } from './live.js';
import { loginPage } from './pages/login.js';
import { dlqEntryPage, dlqPage } from './pages/dlq.js';
import { groupsPage } from './pages/groups.js';
import { locksPage } from './pages/locks.js';
import { overviewPage } from './pages/overview.js';
import { schedulesPage } from './pages/schedules.js';
import { taskPage } from './pages/task.js';
import { tasksPage } from './pages/tasks.js';
import { workersPage } from './pages/workers.js';

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** The app to show (its Redis adapter and prefix are used; the dashboard never closes it). */
  readonly app: TaskApp;
  /**
   * The path the dashboard is mounted under, e.g. `'/dashboard'` (default `''`: the root).
   * Requests outside it get 404.
   */
  readonly basePath?: string;
  /**
   * The token that allows changes (cancel, pause/resume, DLQ replay and purge): sent as
   * `Authorization: Bearer <token>`, or typed once into the sign-in form (which sets an
   * HttpOnly, SameSite=Strict session cookie; forms then carry a CSRF token bound to it).
   * Without a token the dashboard is read-only.
   */
  readonly token?: string;
  /** Read-only even when a token is given. Default `false`. */
  readonly readOnly?: boolean;
  /** Where unexpected errors are reported. Default `console.error`. */
  readonly onError?: (error: unknown) => void;
}

/** A fetch-style handler: what `createDashboard` returns. */
export interface DashboardHandler {
  (request: Request): Promise<Response>;
  /** Stops the shared event-stream reader (open live pages stop updating). */
  close(): void;
}

const MAX_FORM_BYTES = 16 * 1024;

const STATIC_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function csp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function normalizeBase(basePath: string | undefined): string {
  const trimmed = (basePath ?? '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!trimmed.startsWith('/') || /[?#\s]/.test(trimmed))
    throw new TypeError(`createDashboard: basePath must be a path like '/dashboard', got '${basePath}'`);
  return trimmed;
}

function redirect(location: string, cookie?: string): Response {
  const headers = new Headers({ location, 'cache-control': 'no-store', ...STATIC_HEADERS });
  if (cookie) headers.append('set-cookie', cookie);
  return new Response(null, { status: 303, headers });
}

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...STATIC_HEADERS },
  });
}

/** A same-origin path under `base` to go back to after an action, else `fallback`. */
function backPath(base: string, back: unknown, fallback: string): string {
  if (
    typeof back !== 'string' ||
    !back.startsWith(`${base}/`) ||
    back.startsWith('//') ||
    back.includes('\\')
  )
    return fallback;
  return back;
}

function withNotice(path: string, done: string): string {
  const url = new URL(path, 'http://dashboard.invalid');
  url.searchParams.set('done', done);
  return `${url.pathname}${url.search}`;
}

async function readForm(request: Request): Promise<FormData | null> {
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_FORM_BYTES) return null;
  const type = request.headers.get('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) return new FormData();
  const text = await request.text();
  if (text.length > MAX_FORM_BYTES) return null;
  const form = new FormData();
  for (const [k, v] of new URLSearchParams(text)) form.append(k, v);
  return form;
}

/** A browser's cross-site POST carries an Origin that is not ours: refuse it outright. */
function foreignOrigin(request: Request, url: URL): boolean {
  const origin = request.headers.get('origin');
  return origin !== null && origin !== 'null' && origin !== url.origin;
}

/**
 * Creates the dashboard: a fetch-style handler (`Request` → `Response`) to mount in any
 * server — `node:http` through {@link toNodeHandler} (or {@link serveDashboard}), Hono,
 * Express, Fastify. Pages are rendered on the server (every value from Redis escaped as text)
 * with a strict Content-Security-Policy; one small script updates them live from the app's
 * event stream (server-sent events at `<basePath>/events`). Every page reads a bounded amount
 * (paged lists, counts, no `KEYS` or scans).
 *
 * Security: read-only unless `token` is set; changes need the token (bearer header, or the
 * sign-in cookie plus the form's CSRF token) and a same-origin request. Bind the server to
 * loopback (the default of `serveDashboard`) or put it behind your own authentication.
 *
 * @example
 * ```ts
 * const dashboard = createDashboard({ app, basePath: '/dashboard', token: process.env.DASHBOARD_TOKEN });
 * const response = await dashboard(new Request('http://localhost/dashboard/'));
 * ```
 */
export function createDashboard(options: DashboardOptions): DashboardHandler {
  const app = options.app;
  const base = normalizeBase(options.basePath);
  const auth = new Auth(options.token, options.readOnly ?? false);
  const onError = options.onError ?? ((error: unknown) => console.error('@tasks/dashboard:', error));
  const hub = new EventHub(app, onError);

  const render = async (request: Request, url: URL, path: string): Promise<Page | null> => {
    const ctx: PageContext = { app, base, url, access: auth.access(request), now: await app.redis.time() };
    const detail = /^\/(tasks|dlq)\/([^/]+)$/.exec(path);
    if (detail) {
      const id = decodeURIComponent(detail[2] ?? '');
      return detail[1] === 'tasks' ? taskPage(ctx, id) : dlqEntryPage(ctx, id);
    }
    switch (path) {
      case '/':
        return overviewPage(ctx);
      case '/tasks':
        return tasksPage(ctx);
      case '/dlq':
        return dlqPage(ctx);
      case '/schedules':
        return schedulesPage(ctx);
      case '/locks':
        return locksPage(ctx);
      case '/workers':
        return workersPage(ctx);
      case '/groups':
        return groupsPage(ctx);
      case '/login':
        return loginPage(ctx);
      default:
        return null;
    }
  };

  const page = async (request: Request, url: URL, path: string): Promise<Response> => {
    const nonce = randomBytes(16).toString('base64');
    let result: Page | null;
    try {
      result = await render(request, url, path);
    } catch (error) {
      onError(error);
      const message = isTasksError(error)
        ? `${error.code}: Redis did not answer as expected.`
        : 'Internal error.';
      result = {
        title: 'Error',
        status: 500,
        live: 'none',
        body: html`<h1>Error</h1>
          <p class="error">${message}</p>`,
      };
    }
    result ??= {
      title: 'Not found',
      status: 404,
      live: 'none',
      body: html`<h1>Not found</h1>
        <p>No page at this address.</p>`,
    };
    const fragment = request.headers.get('x-dashboard-fragment') === '1';
    const ctx: PageContext = { app, base, url, access: auth.access(request), now: Date.now() };
    const text = fragment ? mainOf(result).value : documentOf(ctx, result, nonce);
    return new Response(text, {
      status: result.status ?? 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': csp(nonce),
        ...STATIC_HEADERS,
      },
    });
  };

  const post = async (request: Request, url: URL, path: string): Promise<Response> => {
    if (foreignOrigin(request, url)) return plain(403, 'Refused: the request came from another site.');
    const form = await readForm(request);
    if (!form) return plain(413, 'Refused: the form is too large.');
    const home = `${base}/`;
    if (path === '/login') {
      const token = form.get('token');
      if (typeof token !== 'string' || !auth.isToken(token)) return redirect(`${base}/login?failed=1`);
      return redirect(withNotice(home, 'signed-in'), auth.sessionCookie(home, url.protocol === 'https:'));
    }
    if (path === '/logout') return redirect(withNotice(home, 'signed-out'), Auth.clearCookie(home));
    const action = /^\/actions\/([a-z-]+)$/.exec(path)?.[1];
    if (!action) return plain(404, 'No such action.');
    const refusal = auth.refusal(request, form);
    if (refusal) return plain(403, `Refused: ${refusal}`);
    try {
      const result = await runAction(app, action, form);
      if (!result) return plain(404, 'No such action.');
      const back = backPath(base, form.get('back'), home);
      return redirect(withNotice(result.path ? `${base}${result.path}` : back, result.done));
    } catch (error) {
      if (error instanceof ActionInputError) return plain(400, `Refused: ${error.message}.`);
      if (isTasksError(error)) return plain(409, `${error.code}: ${error.message}`);
      onError(error);
      return plain(500, 'Internal error.');
    }
  };

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return plain(404, 'Not found.');
    const path = url.pathname.slice(base.length) || '/';
    if (path === '/' && url.pathname === base) return redirect(`${base}/${url.search}`);
    if (request.method === 'POST') return post(request, url, path);
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed.');
    if (path === '/assets/dashboard.css') return asset(DASHBOARD_CSS, 'text/css');
    if (path === '/assets/dashboard.js') return asset(DASHBOARD_JS, 'text/javascript');
    if (path === '/events') return eventStreamResponse(hub, request.signal);
    return page(request, url, path);
  };
  return Object.assign(handler, { close: () => hub.close() });
}

function asset(body: string, type: string): Response {
  return new Response(body, {
    headers: {
      'content-type': `${type}; charset=utf-8`,
      'cache-control': 'public, max-age=300',
      ...STATIC_HEADERS,
    },
  });
}
