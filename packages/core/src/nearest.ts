// "Did you mean …?" for configuration keys and names: the closest candidate by edit distance.

/** Levenshtein distance, case-insensitive (a `rateLimit` for `rate_limit` is a near miss). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length] as number;
}

/**
 * @internal The candidate closest to `name`, or `null` when none is close enough to be a
 * plausible typo (more than a third of the longer name changed, and more than 2 edits).
 */
export function nearestName(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(2, Math.floor(Math.max(name.length, best?.length ?? 0) / 3));
  return bestDistance <= tolerance ? best : null;
}

/** @internal `unknown key: did you mean 'b'? (expected one of a, b, c)` */
export function unknownNameProblem(what: string, name: string, valid: readonly string[]): string {
  const near = nearestName(name, valid);
  const list = valid.length > 0 ? ` (expected one of ${valid.join(', ')})` : '';
  return near === null
    ? `unknown ${what} '${name}'${list}`
    : `unknown ${what} '${name}': did you mean '${near}'?${list}`;
}
