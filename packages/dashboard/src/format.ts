// Times and durations for people, relative to a reference `now` (ms since the epoch).
import { html, type Html } from './html.js';

/** `1.2 s`, `3 min 4 s`, `2 h 5 min`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (abs < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.floor((abs % 60_000) / 1_000)} s`;
  if (abs < 86_400_000)
    return `${Math.floor(ms / 3_600_000)} h ${Math.floor((abs % 3_600_000) / 60_000)} min`;
  return `${Math.floor(ms / 86_400_000)} d ${Math.floor((abs % 86_400_000) / 3_600_000)} h`;
}

/** A `<time>` element: the ISO time as its title, `3 s ago` / `in 5 min` as its text. */
export function timeAt(at: number | null | undefined, now: number): Html {
  if (at === null || at === undefined || !Number.isFinite(at) || at <= 0)
    return html`<span class="muted">–</span>`;
  const iso = new Date(at).toISOString();
  const delta = at - now;
  const text =
    Math.abs(delta) < 1_000
      ? 'now'
      : delta < 0
        ? `${formatDuration(-delta)} ago`
        : `in ${formatDuration(delta)}`;
  return html`<time datetime="${iso}" title="${iso}">${text}</time>`;
}
