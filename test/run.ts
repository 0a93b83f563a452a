// `npm test`: one PostgreSQL for the whole run and a migrated template database that each test file
// clones (graphile/worker's pattern), then ava. By default the server is a throwaway embedded one,
// stopped and deleted however the run ends, so nothing is left running. TEST_POSTGRES_URL (a
// superuser URL) runs the same tests against another server instead, e.g. PostgreSQL 15.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPool, sql } from 'slonik';
import { type AppDatabase, appDatabaseUrl, ensureAppDatabase } from '../src/db/app-database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { CHROMIUM } from './helpers/browser.ts';
import { TEST_ENV } from './helpers/environment.ts';
import { freePort } from '../tools/free-port.ts';
import { PGBOUNCER } from './helpers/pgbouncer.ts';
import { POSTGRESQL_15_BIN } from './helpers/postgresql15.ts';
import { PROMTOOL } from './helpers/promtool.ts';
import { ZSH } from './helpers/shells.ts';

interface Server {
  readonly superuserUrl: string;
  stop(): Promise<void>;
}

const app: AppDatabase = {
  role: 'club_contracts_test',
  password: randomBytes(12).toString('hex'),
  database: `club_contracts_template_${randomBytes(4).toString('hex')}`,
};

// The browser tests drive Debian's Chromium; as root (a fresh container, CI) install it if missing.
if (os.userInfo().uid === 0 && !existsSync(CHROMIUM)) {
  execFileSync(path.resolve('scripts/install-chromium.sh'), { stdio: 'inherit' });
}
// The same for Debian's PgBouncer (test/pgbouncer.test.ts), which fails without it.
if (os.userInfo().uid === 0 && !existsSync(PGBOUNCER)) {
  execFileSync(path.resolve('scripts/install-pgbouncer.sh'), { stdio: 'inherit' });
}
// And Debian's promtool, for test/metrics-promtool.test.ts, which lints /metrics with it.
if (os.userInfo().uid === 0 && !existsSync(PROMTOOL)) {
  execFileSync(path.resolve('scripts/install-promtool.sh'), { stdio: 'inherit' });
}
// And Debian's PostgreSQL 15, the oldest supported, on which test/production-recipe.test.ts runs the recipe.
if (os.userInfo().uid === 0 && !existsSync(path.join(POSTGRESQL_15_BIN, 'postgres'))) {
  execFileSync(path.resolve('scripts/install-postgresql15.sh'), { stdio: 'inherit' });
}
// And Debian's zsh, for test/readme-walkthrough.test.ts, which runs the README's commands in it too.
if (os.userInfo().uid === 0 && !existsSync(ZSH)) {
  execFileSync(path.resolve('scripts/install-zsh.sh'), { stdio: 'inherit' });
}

const server = process.env.TEST_POSTGRES_URL
  ? externalServer(process.env.TEST_POSTGRES_URL)
  : await embeddedServer().catch((error: unknown) => {
      // One line that says what to do (src/db/embedded-postgres.ts words it), not a stack.
      console.error(`npm test: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
try {
  await ensureAppDatabase(server.superuserUrl, app);
  await migrate(appDatabaseUrl(server.superuserUrl, app), { direction: 'up', log: () => {} });
} catch (error) {
  await server.stop();
  throw error;
}

const child = spawn(process.execPath, [path.resolve('node_modules/ava/entrypoints/cli.mjs'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    [TEST_ENV.superuserUrl]: server.superuserUrl,
    [TEST_ENV.role]: app.role,
    [TEST_ENV.password]: app.password,
    [TEST_ENV.template]: app.database,
  },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
const exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
await server.stop();
process.exit(exitCode);

async function embeddedServer(): Promise<Server> {
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-test-'));
  // As root, PostgreSQL runs as `postgres`, which must be able to enter this folder.
  await fs.chmod(workDir, 0o755);
  const removeWorkDir = () => fs.rm(workDir, { recursive: true, force: true });
  try {
    const cluster = await startEmbeddedPostgres({
      dataDir: path.join(workDir, 'postgres'),
      port: await freePort(),
      superuserPassword: randomBytes(12).toString('hex'),
      throwaway: true,
      onLog: () => {},
    });
    return {
      superuserUrl: cluster.superuserUrl('postgres'),
      stop: async () => {
        await cluster.stop();
        await removeWorkDir();
      },
    };
  } catch (error) {
    await removeWorkDir();
    throw error;
  }
}

/** Someone else's server: leave it as this run found it. */
function externalServer(superuserUrl: string): Server {
  return {
    superuserUrl,
    stop: async () => {
      const pool = await createPool(superuserUrl, { maximumPoolSize: 1 });
      await pool.query(sql.unsafe`DROP DATABASE IF EXISTS ${sql.identifier([app.database])} WITH (FORCE)`);
      await pool.query(sql.unsafe`DROP ROLE IF EXISTS ${sql.identifier([app.role])}`);
      await pool.end();
    },
  };
}
