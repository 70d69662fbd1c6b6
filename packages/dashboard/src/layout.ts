// The page around every view: navigation, sign-in state, the notice of the last action, and
// the one script (loaded with the response's CSP nonce; no inline script or handler anywhere).
import { href, type Page, type PageContext } from './context.js';
import { html, type Html } from './html.js';

const NAV: ReadonlyArray<readonly [path: string, label: string]> = [
  ['/', 'Overview'],
  ['/tasks', 'Tasks'],
  ['/dlq', 'DLQ'],
  ['/schedules', 'Schedules'],
  ['/locks', 'Locks'],
  ['/workers', 'Workers'],
  ['/groups', 'Groups'],
];

/** What the `done` parameter of a redirect after an action says. */
const NOTICES: Readonly<Record<string, string>> = {
  cancelled: 'Task cancelled.',
  cancelling: 'Cancel requested: its worker aborts it.',
  finished: 'The task had already finished.',
  paused: 'Paused: workers stop fetching those streams.',
  resumed: 'Resumed.',
  replayed: 'Replayed as a new task.',
  purged: 'Purged from the dead-letter queue.',
  'signed-in': 'Signed in.',
  'signed-out': 'Signed out.',
};

function notice(ctx: PageContext): Html {
  const done = ctx.url.searchParams.get('done');
  const text = done ? NOTICES[done] : undefined;
  return text ? html`<p class="notice" role="status">${text}</p>` : html``;
}

function session(ctx: PageContext): Html {
  if (!ctx.access.writable) return html`<span class="muted" title="no token configured">read-only</span>`;
  if (!ctx.access.signedIn) return html`<a href="${href(ctx, '/login')}">sign in</a>`;
  return html`<form class="inline" method="post" action="${href(ctx, '/logout')}">
    <input type="hidden" name="csrf" value="${ctx.access.csrf}" /><button type="submit" class="link">
      sign out
    </button>
  </form>`;
}

/** @internal The `<main>` of a page (what live refreshes replace). */
export function mainOf(page: Page): Html {
  return html`<main id="main" data-live="${page.live ?? 'any'}">${page.body}</main>`;
}

/** @internal A whole HTML document. */
export function documentOf(ctx: PageContext, page: Page, nonce: string): string {
  const current = ctx.url.pathname.slice(ctx.base.length) || '/';
  const nav = NAV.map(([path, label]) => {
    const active = path === '/' ? current === '/' : current.startsWith(path);
    return html`<a href="${href(ctx, path)}" class="${active ? 'active' : ''}">${label}</a>`;
  });
  return html`<!doctype html>
    <html lang="en" data-base="${ctx.base}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${page.title} · tasks</title>
        <link rel="stylesheet" href="${href(ctx, '/assets/dashboard.css')}" />
        <script src="${href(ctx, '/assets/dashboard.js')}" nonce="${nonce}" defer></script>
      </head>
      <body>
        <header>
          <strong class="brand">tasks</strong>
          <nav>${nav}</nav>
          <span class="spacer"></span>
          <span id="live-status" class="live-status" title="live updates">offline</span>
          ${session(ctx)}
        </header>
        ${notice(ctx)} ${mainOf(page)}
      </body>
    </html>`.value;
}
