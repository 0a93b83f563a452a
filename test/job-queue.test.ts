import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { useDatabase } from './helpers/sql-test.ts';

// migrations/0014_job-queue.ts installs graphile-worker's schema with graphile-worker's own
// migrator, so the schema is whatever the installed package ships: the package must be pinned to
// one exact version, and the database must hold every migration of that version.

const db = useDatabase();
const require = createRequire(import.meta.url);

test('graphile-worker is pinned to one exact version, the one installed', (t) => {
  const wanted = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> })
    .dependencies['graphile-worker'];
  const installed = (require('graphile-worker/package.json') as { version: string }).version;
  t.regex(wanted ?? '', /^\d+\.\d+\.\d+$/, 'an exact version: a newer package may ship migrations the database never ran');
  t.is(installed, wanted ?? '');
});

test('the migrated database holds every migration of the installed graphile-worker', async (t) => {
  const shipped = (require('graphile-worker/dist/generated/sql') as { migrations: Record<string, string> }).migrations;
  const ran = await db().pool.anyFirst(sql.type(z.object({ id: z.number() }))`SELECT id FROM graphile_worker.migrations ORDER BY id`);
  t.deepEqual(
    ran,
    Object.keys(shipped).map((file) => Number.parseInt(file, 10)),
  );
});
