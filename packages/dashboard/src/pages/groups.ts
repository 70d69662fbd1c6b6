// Fan-in groups from the app's group index (a sorted set by expiry, written when a group is
// created): progress (children done / total), state, callback, the failed child.
import { href, nextLink, taskLink, type Page, type PageContext } from '../context.js';
import { timeAt } from '../format.js';
import { html, type Html } from '../html.js';

const PAGE_SIZE = 50;

interface GroupView {
  readonly id: string;
  readonly expiresAt: number;
  readonly state: string | null;
  readonly total: number;
  readonly done: number;
  readonly callbackId: string | null;
  readonly failedChild: string | null;
}

async function readGroup(ctx: PageContext, id: string, expiresAt: number): Promise<GroupView> {
  const key = ctx.app.keys.of(id).groupState(id); // a group lives on the shard of its id
  const members = `${key}:members`;
  const [flat, done] = await Promise.all([
    ctx.app.redis.command(['HMGET', key, 'state', 'total', 'cb_id', 'failed_child'], { key }),
    ctx.app.redis.command(['SCARD', members], { key: members }),
  ]);
  const [state, total, cb, failed] = (Array.isArray(flat) ? flat : []).map((v) =>
    typeof v === 'string' ? v : null,
  );
  return {
    id,
    expiresAt,
    state: state ?? null,
    total: Number(total ?? 0),
    done: Number(done),
    callbackId: cb || null,
    failedChild: failed ?? null,
  };
}

function progress(g: GroupView): Html {
  const fraction = g.total > 0 ? g.done / g.total : 0;
  return html`<div class="bar" title="${g.done} of ${g.total}">
      <span class="w${Math.round(fraction * 20)}"></span>
    </div>
    ${g.done} / ${g.total}`;
}

/** @internal */
export async function groupsPage(ctx: PageContext): Promise<Page> {
  const q = ctx.url.searchParams;
  const offset = Math.max(0, Math.floor(Number(q.get('offset') ?? 0)) || 0);
  const only = (q.get('id') ?? '').trim();
  const index = ctx.app.keys.groupIndex();
  let entries: Array<[string, number]>;
  if (only) {
    const score = await ctx.app.redis.command(['ZSCORE', index, only], { key: index });
    entries = [[only, Number(score ?? 0)]];
  } else {
    const flat = (await ctx.app.redis.command(
      ['ZRANGEBYSCORE', index, ctx.now, '+inf', 'WITHSCORES', 'LIMIT', offset, PAGE_SIZE],
      { key: index },
    )) as unknown[];
    entries = [];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push([String(flat[i]), Number(flat[i + 1])]);
  }
  const groups = await Promise.all(entries.map(([id, at]) => readGroup(ctx, id, at)));
  const rows = groups.map(
    (g) =>
      html`<tr data-group="${g.id}">
        <td class="mono"><a href="${href(ctx, '/groups', { id: g.id })}">${g.id}</a></td>
        <td>
          ${g.state ? html`<span class="state ${g.state}">${g.state}</span>` : html`<span class="muted">expired</span>`}
        </td>
        <td>${progress(g)}</td>
        <td>${taskLink(ctx, g.callbackId, 'callback')}</td>
        <td>${taskLink(ctx, g.failedChild)}</td>
        <td>${g.expiresAt ? timeAt(g.expiresAt, ctx.now) : ''}</td>
      </tr>`,
  );
  const body = html`<h1>Fan-in groups</h1>
    <p class="muted">
      Groups made with <code>spawnWithCallback</code>, listed by when their state expires, soonest first.
    </p>
    <table class="groups">
      <thead>
        <tr>
          <th>group</th>
          <th>state</th>
          <th>children done</th>
          <th>callback</th>
          <th>failed child</th>
          <th>state expires</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length
            ? rows
            : html`<tr>
                <td colspan="6" class="muted">no group</td>
              </tr>`
        }
      </tbody>
    </table>
    ${!only && entries.length === PAGE_SIZE ? nextLink(ctx, { offset: offset + PAGE_SIZE }) : ''}
    ${only || offset ? html` <a href="${href(ctx, '/groups')}">all groups</a>` : ''}`;
  return { title: 'Groups', body };
}
