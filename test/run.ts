// `npm test`: one throwaway PostgreSQL for the whole run and a migrated template database that each
// test file clones (graphile/worker's pattern), then ava. The cluster is stopped and its files
// removed however the run ends, so nothing is left running.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { databaseUrl, ensureAppDatabase } from '../src/db/app-database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { TEST_ENV } from './helpers/environment.ts';

const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-test-'));
// As root, PostgreSQL runs as `postgres`, which must be able to enter this folder.
await fs.chmod(workDir, 0o755);

const cleanUp = async (cluster?: { stop(): Promise<void> }) => {
  await cluster?.stop();
  await fs.rm(workDir, { recursive: true, force: true });
};

const superuserPassword = randomBytes(12).toString('hex');
const app = { role: 'club_contracts', password: randomBytes(12).toString('hex'), database: 'club_contracts_template' };
let cluster;
try {
  cluster = await startEmbeddedPostgres({
    dataDir: path.join(workDir, 'postgres'),
    port: await freePort(),
    superuserPassword,
    throwaway: true,
    onLog: () => {},
  });
  await ensureAppDatabase(cluster.superuserUrl('postgres'), app);
  await migrate(databaseUrl(cluster.port, app), { direction: 'up', log: () => {} });
} catch (error) {
  await cleanUp(cluster);
  throw error;
}

const child = spawn(process.execPath, [path.resolve('node_modules/ava/entrypoints/cli.mjs'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    [TEST_ENV.superuserUrl]: cluster.superuserUrl('postgres'),
    [TEST_ENV.port]: String(cluster.port),
    [TEST_ENV.role]: app.role,
    [TEST_ENV.password]: app.password,
    [TEST_ENV.template]: app.database,
  },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
const exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
await cleanUp(cluster);
process.exit(exitCode);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
