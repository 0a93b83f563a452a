import test, { type ExecutionContext } from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { type MigrationLimits, migrate } from '../src/db/migrate.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { migrationsFolder } from './helpers/migrations-folder.ts';

// docs/OPERATING.md, "Deploying": each migration runs in a transaction of its own, bounded by lock_timeout,
// and gives way to live traffic (rolled back, tried again after a pause) instead of stalling it.
// Throwaway migrations on an empty database, so the rules are seen apart from the project's own.

/** Short, so each test takes a few seconds; the service runs with MIGRATION_LIMITS. */
const LIMITS: MigrationLimits = { lockTimeoutMs: 300, statementTimeoutMs: 10_000, attempts: 10, firstBackoffMs: 100 };
const quiet = { log: () => {} };

const PLAYERS = "CREATE TABLE players (id integer PRIMARY KEY, name text NOT NULL); INSERT INTO players VALUES (1, 'Jacelyn Park')";
/** Needs ACCESS EXCLUSIVE on players, which any live transaction that touched the table holds off. */
const NICKNAME = 'ALTER TABLE players ADD COLUMN nickname text';

test('a migration waiting for a lock live traffic holds gives way after lock_timeout, is tried again, and applies once the lock is free', async (t) => {
  const db = await emptyDatabase(t);
  const dir = await migrationsFolder(t, { '0001_players': PLAYERS, '0002_nickname': NICKNAME });
  await migrate(db.url, { direction: 'up', count: 1, dir, ...quiet });
  const live = await holdRowLock(db);
  t.teardown(() => live.release());

  const warnings: string[] = [];
  const migrating = migrate(db.url, { direction: 'up', dir, limits: LIMITS, ...quiet, warn: (line) => warnings.push(line) });
  // Meanwhile a club reads its players: each read queues behind the migration's lock request.
  const reads: number[] = [];
  await eventually(
    'tries that gave way',
    async () => reads.push(await timed(() => db.pool.query(sql.unsafe`SELECT * FROM players`))),
    () => warnings.length >= 6,
  );
  live.release();

  t.deepEqual(await migrating, ['0002_nickname']);
  t.true(await hasColumn(db, 'nickname'));
  t.regex(
    warnings[0] ?? '',
    /^migration 0002_nickname gave way to live traffic \(canceling statement due to lock timeout\); try 2 of 10 in \d+ ms$/,
  );
  const slowest = Math.max(...reads);
  t.log(`${reads.length} reads during ${warnings.length} tries; the slowest took ${slowest} ms`);
  // The live lock was held through six tries and their pauses (about 5 s): a read that queued behind
  // the migration for all of it would take that long. The margin is for a busy machine's scheduling.
  t.true(slowest < LIMITS.lockTimeoutMs + 2_000, `no read waited much past the lock timeout: ${slowest} ms`);
});

test('a migration that cannot get its locks in its tries stops the run, names itself, and leaves nothing of it applied', async (t) => {
  const db = await emptyDatabase(t);
  const dir = await migrationsFolder(t, { '0001_players': PLAYERS, '0002_nickname': NICKNAME });
  await migrate(db.url, { direction: 'up', count: 1, dir, ...quiet });
  const live = await holdRowLock(db);
  t.teardown(() => live.release());

  const started = Date.now();
  await t.throwsAsync(migrate(db.url, { direction: 'up', dir, limits: { ...LIMITS, attempts: 3 }, ...quiet }), {
    message:
      /^migration 0002_nickname could not take its locks in 3 tries \(lock_timeout 300 ms\): live traffic held them; nothing of it was applied/,
  });
  t.log(`gave up after ${Date.now() - started} ms`);

  t.false(await hasColumn(db, 'nickname'));
  t.deepEqual(await applied(db), ['0001_players']);
  live.release();
  t.deepEqual(
    await migrate(db.url, { direction: 'up', dir, limits: LIMITS, ...quiet }),
    ['0002_nickname'],
    'the migration lock was released',
  );
});

test('each migration commits on its own: a failing migration keeps the ones before it', async (t) => {
  const db = await emptyDatabase(t);
  const dir = await migrationsFolder(t, { '0001_players': PLAYERS, '0002_broken': `${NICKNAME}; SELECT 1 / 0` });

  await t.throwsAsync(migrate(db.url, { direction: 'up', dir, ...quiet }), { message: /division by zero/ });

  t.deepEqual(await applied(db), ['0001_players']);
  t.false(await hasColumn(db, 'nickname'), 'the failing migration rolled back whole');
});

test("the timeouts are set inside each migration's transaction: the service's pool never gets them", async (t) => {
  const db = await emptyDatabase(t);
  const dir = await migrationsFolder(t, {
    '0001_settings': `CREATE TABLE settings AS SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement`,
  });

  await migrate(db.url, { direction: 'up', dir, limits: LIMITS, ...quiet });

  const inside = await db.pool.one(sql.type(z.object({ lock: z.string(), statement: z.string() }))`SELECT lock, statement FROM settings`);
  t.deepEqual(inside, { lock: '300ms', statement: '10s' });
  t.is(await db.pool.oneFirst(sql.type(z.object({ lock: z.string() }))`SELECT current_setting('lock_timeout') AS lock`), '0');
});

test('a migration run outside a transaction is never tried again: part of it may have committed', async (t) => {
  const db = await emptyDatabase(t);
  const dir = await migrationsFolder(t, {
    '0001_players': PLAYERS,
    // Outside a transaction no timeout is set for it: it sets its own.
    '0002_nickname': { noTransaction: true, sql: `SET lock_timeout = 300; ${NICKNAME}` },
  });
  await migrate(db.url, { direction: 'up', count: 1, dir, ...quiet });
  const live = await holdRowLock(db);
  t.teardown(() => live.release());

  const warnings: string[] = [];
  await t.throwsAsync(migrate(db.url, { direction: 'up', dir, limits: LIMITS, ...quiet, warn: (line) => warnings.push(line) }), {
    message: /lock timeout/,
  });

  t.deepEqual(warnings, []);
  t.deepEqual(await applied(db), ['0001_players']);
});

async function emptyDatabase(t: ExecutionContext): Promise<TestDatabase> {
  const db = await createTestDatabase({ empty: true });
  t.teardown(() => db.drop());
  return db;
}

/** Live traffic: a transaction that has locked a player's row (and so holds ROW SHARE on players) until released. */
async function holdRowLock(db: TestDatabase): Promise<{ release: () => void }> {
  let release = () => {};
  let locked = () => {};
  const holding = new Promise<void>((resolve) => {
    locked = resolve;
  });
  void db.pool.transaction(async (transaction) => {
    await transaction.query(sql.unsafe`SELECT 1 FROM players WHERE id = 1 FOR UPDATE`);
    locked();
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  });
  await holding;
  return { release: () => release() };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await work();
  return Date.now() - started;
}

const applied = (db: TestDatabase) =>
  db.pool.anyFirst(sql.type(z.object({ name: z.string() }))`SELECT name FROM pgmigrations ORDER BY run_on, id`);

const hasColumn = async (db: TestDatabase, column: string) =>
  (await db.pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`
    SELECT count(*) FROM information_schema.columns WHERE table_name = 'players' AND column_name = ${column}
  `)) === 1n;
