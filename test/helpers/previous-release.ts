import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The commit recorded in deploy/previous-release: the release in production before this one. */
export function previousReleaseCommit(): string {
  const lines = readFileSync(path.resolve('deploy/previous-release'), 'utf8').split('\n');
  const commit = lines.map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('#'));
  if (commit === undefined || !/^[0-9a-f]{40}$/.test(commit)) {
    throw new Error('deploy/previous-release must name a full 40-character commit');
  }
  return commit;
}

/**
 * The tree of `commit`, extracted from this checkout's history with its packages installed by its
 * own lock file, ready to run (`node --import tsx src/main.ts` in it). Kept per commit under the
 * system's temporary folder, which outlives `npm ci` here and is shared by every checkout, so only
 * the first run pays for the install. A copy is made in a folder of its own and renamed into place
 * only once complete: a run killed halfway leaves a folder no later run takes for a release.
 */
export async function installedRelease(commit: string): Promise<string> {
  const cache = path.join(os.tmpdir(), 'club-contracts-releases');
  const target = path.join(cache, commit);
  if (existsSync(target)) return target;
  await fs.mkdir(cache, { recursive: true });
  await removeAbandonedCopies(cache);
  const building = path.join(cache, `.${commit}.${randomBytes(4).toString('hex')}`);
  await fs.mkdir(building);
  try {
    await run('git', ['cat-file', '-e', `${commit}^{commit}`]).catch(() => {
      throw new Error(`commit ${commit} (deploy/previous-release) is not in this checkout's history: fetch it, or clone deeper`);
    });
    await run('bash', ['-c', 'set -o pipefail; git archive "$1" | tar -x -C "$2"', 'bash', commit, building]);
    await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: building, maxBuffer: 16 * 1024 * 1024 });
    await fs.rename(building, target).catch(async (error: NodeJS.ErrnoException) => {
      // Another run finished the same release first: theirs is as good as ours.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      await fs.rm(building, { recursive: true, force: true });
    });
    return target;
  } catch (error) {
    await fs.rm(building, { recursive: true, force: true });
    throw error;
  }
}

/** An install takes a minute or two: a half-made copy an hour old belongs to a run that was killed. */
const ABANDONED_AFTER_MS = 3_600_000;

async function removeAbandonedCopies(cache: string): Promise<void> {
  for (const name of await fs.readdir(cache)) {
    if (!name.startsWith('.')) continue;
    const copy = path.join(cache, name);
    // Another run may have finished or removed it meanwhile.
    const made = await fs.stat(copy).catch(() => null);
    if (made !== null && Date.now() - made.mtimeMs > ABANDONED_AFTER_MS) await fs.rm(copy, { recursive: true, force: true });
  }
}
