// README links must work where the README is read: in the repository for every README, and on
// the npm registry's page for the READMEs of published packages (where a relative link has no
// file to point at). No README may mention a path of a developer's machine.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findReadmes, markdownLinks, ROOT } from '../src/readmes.js';

const readmes = findReadmes();

/** READMEs that npm publishes with a package (public packages only). */
function published(file: string): boolean {
  const manifest = join(ROOT, dirname(file), 'package.json');
  if (!file.startsWith('packages/') || !existsSync(manifest)) return false;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { private?: boolean }).private !== true;
}

describe.each(readmes)('%s', (file) => {
  it('mentions no path outside the repository', () => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(text).not.toMatch(/\.\.\/shared\b|\/work\/|\/home\/|\/root\//);
  });

  it('links only to files that exist, or to public sites', () => {
    const broken: string[] = [];
    for (const { line, target } of markdownLinks(file)) {
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      if (published(file)) {
        broken.push(
          `${line}: ${target} (a relative link breaks on the registry's page: use an https:// link)`,
        );
        continue;
      }
      const path = join(ROOT, dirname(file), decodeURI(target.replace(/#.*$/, '')));
      if (!existsSync(path)) broken.push(`${line}: ${target} (no such file)`);
    }
    expect(broken).toEqual([]);
  });
});
