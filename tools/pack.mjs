#!/usr/bin/env node
// Packs every public package of packages/ into one folder (default .packs/ at the root), the
// way they are published: `pnpm pack` turns workspace:* ranges into the real versions and the
// tarballs hold dist/, README.md, LICENSE and package.json. Run it after a build
// (`npx -y pnpm@12.4.2 run pack` builds first). Prints the tarball paths.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The public packages: `{ name, version, dir }`, in folder order. */
export function publicPackages() {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name, version: manifest.version, dir }));
}

/** pnpm as the running script was started with it (a native binary or a script), else through npx. */
function pnpm(args, cwd) {
  const execPath = process.env.npm_execpath ?? '';
  const [command, prefix] = !/pnpm/.test(execPath)
    ? ['npx', ['-y', 'pnpm@12.4.2']]
    : /\.[cm]?js$/.test(execPath)
      ? [process.execPath, [execPath]]
      : [execPath, []];
  const result = spawnSync(command, [...prefix, ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`pnpm ${args.join(' ')} failed in ${cwd}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Packs every public package into `dest` (emptied first); resolves to the tarball paths. */
export function packAll(dest) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  for (const { dir } of publicPackages()) pnpm(['pack', '--pack-destination', dest], dir);
  return readdirSync(dest)
    .filter((file) => file.endsWith('.tgz'))
    .map((file) => join(dest, file));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dest = resolve(process.argv[2] ?? join(root, '.packs'));
  for (const file of packAll(dest)) console.log(file);
}
