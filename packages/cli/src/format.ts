import { maskRedisUrl } from '@tasks/redis';

/** `1.2 s`, `350 ms`, `2 min 5 s`, `3 h 4 min` — a duration for people. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** An instant as `2026-11-28T06:00:00Z` (UTC, whole seconds). */
export function formatInstant(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '-';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Shortens a cell to `max` characters, with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** The URL with its password (if any) masked, for messages (`maskRedisUrl` of `@tasks/redis`). */
export function redactUrl(url: string): string {
  return maskRedisUrl(url);
}

/** Compact `key=value` text of a metadata record. */
export function formatFields(fields: Readonly<Record<string, unknown>> | null | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}
