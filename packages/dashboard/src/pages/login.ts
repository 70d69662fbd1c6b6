// The sign-in form: the token is posted once; the answer sets an HttpOnly session cookie.
import { href, type Page, type PageContext } from '../context.js';
import { html } from '../html.js';

/** @internal */
export async function loginPage(ctx: PageContext): Promise<Page> {
  const failed = ctx.url.searchParams.has('failed');
  const body = !ctx.access.writable
    ? html`<h1>Sign in</h1>
        <p>
          This dashboard is read-only: it was started without a token, so there is nothing to sign in to.
        </p>`
    : html`<h1>Sign in</h1>
        ${failed ? html`<p class="error">That is not the dashboard token.</p>` : ''}
        <form class="filter" method="post" action="${href(ctx, '/login')}">
          <input
            type="password"
            name="token"
            placeholder="dashboard token"
            autocomplete="current-password"
            required
          />
          <button type="submit">sign in</button>
        </form>
        <p class="muted">
          The token allows cancelling tasks, pausing queues and replaying or purging dead letters.
        </p>`;
  return { title: 'Sign in', body, live: 'none' };
}
