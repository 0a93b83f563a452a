import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { freePort } from '../tools/free-port.ts';
import { copyCheckout } from './helpers/checkout-copy.ts';
import { eventually } from './helpers/eventually.ts';
import { processTree, stillRunning } from './helpers/process-tree.ts';
import { startServiceProcess } from './helpers/service-process.ts';

// The README's paragraph on root: PostgreSQL refuses to run as root, so as root it runs as the
// `postgres` user, which cannot enter a checkout under /root or a `mktemp -d` folder (mode 0700) —
// neither its binaries in node_modules nor the default DATA_DIR (.data) there. From a copy of the
// checkout in such a folder, `npm start` (default DATA_DIR) and `npm test`'s own PostgreSQL both work.

const run = promisify(execFile);
const asRoot = os.userInfo().uid === 0;

let folder = '';
let checkout = '';
test.before(async () => {
  folder = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-private-'));
  await fs.chmod(folder, 0o700); // what mkdtemp makes; said outright, since it is the point
  checkout = path.join(folder, 'app');
  await copyCheckout(checkout);
});
test.after.always(() => fs.rm(folder, { recursive: true, force: true }));

test('npm start from a checkout in a 0700 folder, with the default DATA_DIR, serves and stops cleanly', async (t) => {
  t.timeout(120_000);
  const service = await startServiceProcess(
    { EMBEDDED_POSTGRES_PORT: String(await freePort()) },
    { command: ['npm', 'start'], cwd: checkout, detached: true },
  );
  const tree = processTree(service.child.pid ?? 0);
  t.teardown(() => {
    for (const entry of stillRunning(tree)) process.kill(entry.pid, 'SIGKILL');
  });
  const dataDir = path.join(checkout, '.data', 'postgres');
  const clusterDir = lstatSync(dataDir).isSymbolicLink() ? readlinkSync(dataDir) : dataDir;
  // A cluster made elsewhere is this test's to remove; the folder's removal takes the link only.
  t.teardown(() => fs.rm(clusterDir, { recursive: true, force: true }));
  const postmaster = tree.find((entry) => /bin\/postgres -D/.test(entry.command))?.command ?? '';

  t.is((await fetch(`${service.baseUrl}/readyz`)).status, 200, 'serving, with its database');
  if (asRoot) {
    t.false(postmaster.startsWith(folder), `PostgreSQL runs from binaries the postgres user can reach: ${postmaster}`);
    t.false(clusterDir.startsWith(folder), 'its data lives where the postgres user can reach it');
    t.is(statSync(folder).mode & 0o777, 0o700, 'the folder was left as it was');
    t.true(
      service.logs.some((record) => String(record.msg).includes(`its data is in ${clusterDir} instead`)),
      'the start says where the data went',
    );
    t.log(`PostgreSQL: ${postmaster}`);
    t.log(`its data: ${clusterDir}, linked from ${dataDir}`);
  } else {
    t.is(clusterDir, dataDir);
    t.log('not root: PostgreSQL runs as this user, who can enter the folder; the postgres-user paths are not taken');
  }

  process.kill(service.child.pid ?? 0, 'SIGTERM');
  const left = await eventually(
    'processes left',
    () => stillRunning(tree),
    (entries) => entries.length === 0,
    20_000,
  );
  t.deepEqual(left, []);
  t.deepEqual(await service.exited, { code: 0, signal: null });
  t.false(existsSync(path.join(clusterDir, 'postmaster.pid')), 'PostgreSQL shut down cleanly');
});

test('npm test’s own PostgreSQL starts from a checkout in a 0700 folder', async (t) => {
  t.timeout(150_000);
  // One test file for the copied runner: it reaches the migrated template database.
  await fs.writeFile(
    path.join(checkout, 'test', 'reached.test.ts'),
    [
      "import test from 'ava';",
      "import { sql } from 'slonik';",
      "import { createTestDatabase } from './helpers/database.ts';",
      "test('the migrated template database is reachable', async (t) => {",
      '  const db = await createTestDatabase();',
      '  t.is((await db.pool.query(sql.unsafe`SELECT FROM tenants`)).rowCount, 0);',
      '  await db.drop();',
      '});',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.TEST_POSTGRES_URL; // the embedded start is the one under test
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/run.ts', 'test/reached.test.ts'], { cwd: checkout, env });
  t.regex(stdout, /1 test passed/);
  t.log(asRoot ? 'as root, from a 0700 folder' : 'not root: the postgres-user paths are not taken');
});
