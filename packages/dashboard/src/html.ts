// HTML built from tagged templates: every interpolated value is escaped as text unless it is
// already `Html` (made by this module). Values from Redis never reach the page as markup.

/** A piece of markup this package built (its interpolated values already escaped). */
export class Html {
  constructor(readonly value: string) {}

  /** The markup. */
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Escapes text for HTML content and quoted attribute values.
 * @example
 * ```ts
 * escapeHtml('"><img onerror=x>'); // '&quot;&gt;&lt;img onerror=x&gt;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return escapeHtml(String(value));
  return escapeHtml(jsonText(value));
}

/**
 * Builds markup: `html`<td>${name}</td>``. Strings, numbers and anything else are escaped;
 * arrays are joined; `null`, `undefined` and `false` render nothing; `Html` is kept as is.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Text as JSON, indented, for `<pre>` blocks (cut at `maxChars`). */
export function jsonText(value: unknown, maxChars = 20_000): string {
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > maxChars
    ? `${text.slice(0, maxChars)}\n… (${text.length - maxChars} more characters)`
    : text;
}
