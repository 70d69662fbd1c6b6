// PostgreSQL text and JSONB cannot hold every JavaScript string: text rejects the NUL
// character, and JSONB rejects `\u0000` and unpaired surrogates. The store keeps each entry's
// exact record as JSON text (JSON escapes them, so nothing is lost) and writes these
// sanitised copies only to the columns that exist for querying.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The string with NUL characters and unpaired surrogates replaced by U+FFFD. */
export function pgSafeText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** A JSON value PostgreSQL's JSONB accepts: every string and key made {@link pgSafeText}. */
export function pgSafeJson(value: unknown): unknown {
  if (typeof value === 'string') return pgSafeText(value);
  if (Array.isArray(value)) return value.map(pgSafeJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[pgSafeText(key)] = pgSafeJson(item);
    return out;
  }
  return value;
}
