// What every page is rendered with, and the small pieces of markup pages share.
import type { TaskApp } from '@tasks/core';
import type { Access } from './auth.js';
import { html, type Html } from './html.js';

/** @internal What a page renders from. */
export interface PageContext {
  readonly app: TaskApp;
  /** The mount path (`''` or e.g. `'/dashboard'`), without a trailing slash. */
  readonly base: string;
  readonly url: URL;
  readonly access: Access;
  /** Redis server time, ms since the epoch. */
  readonly now: number;
}

/** @internal A rendered page. */
export interface Page {
  readonly title: string;
  readonly body: Html;
  /**
   * Which live events refresh it: `'any'`, `'task:<id>'` (events of that task only), or
   * `'none'`. Default `'any'`.
   */
  readonly live?: string;
  readonly status?: number;
}

/** @internal A link under the mount path, with query parameters (empty ones left out). */
export function href(
  ctx: PageContext,
  path: string,
  params: Readonly<Record<string, string | number | null | undefined>> = {},
): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== null && value !== undefined && value !== '') query.set(key, String(value));
  const text = query.toString();
  return `${ctx.base}${path}${text ? `?${text}` : ''}`;
}

/** @internal A link to a task's detail page. */
export function taskLink(ctx: PageContext, id: string | null | undefined, text?: string): Html {
  if (!id) return html`<span class="muted">–</span>`;
  return html`<a class="mono" href="${href(ctx, `/tasks/${encodeURIComponent(id)}`)}">${text ?? id}</a>`;
}

/** @internal Labels as badges. */
export function labelBadges(labels: Readonly<Record<string, string>> | null | undefined): Html {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return html``;
  return html`${entries.map(([k, v]) => html`<span class="label">${k}=${v}</span> `)}`;
}

/**
 * @internal A POST form for a mutation: the CSRF token, hidden fields, an optional required
 * confirmation checkbox, and one button. Renders nothing when the dashboard is read-only or the
 * visitor is not signed in.
 */
export function actionForm(
  ctx: PageContext,
  action: string,
  fields: Readonly<Record<string, string>>,
  label: string,
  options: { confirm?: string; danger?: boolean } = {},
): Html {
  if (!ctx.access.writable || !ctx.access.signedIn) return html``;
  const back = ctx.url.pathname + ctx.url.search;
  return html`<form class="action" method="post" action="${href(ctx, `/actions/${action}`)}">
    <input type="hidden" name="csrf" value="${ctx.access.csrf}" />
    <input type="hidden" name="back" value="${back}" />
    ${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
    ${options.confirm ? html`<label class="confirm"><input type="checkbox" name="confirm" value="yes" required /> ${options.confirm}</label>` : ''}
    <button type="submit" class="${options.danger ? 'danger' : ''}" data-action="${action}">${label}</button>
  </form>`;
}

/** @internal A "next page" link, or nothing at the end. */
export function nextLink(ctx: PageContext, params: Readonly<Record<string, string | number | null>>): Html {
  const next = new URL(ctx.url);
  for (const [k, v] of Object.entries(params)) {
    if (v === null) next.searchParams.delete(k);
    else next.searchParams.set(k, String(v));
  }
  return html`<a class="next" rel="next" href="${next.pathname}${next.search}">next page →</a>`;
}

/**
 * @internal An array field of a record written through Lua's cjson, which turns an empty
 * array into `{}`: anything but an array reads as empty.
 */
export function arrayOf<T>(value: readonly T[] | undefined | null): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [];
}
