import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { PG_MIGRATE_LOCK_ID } from 'node-pg-migrate';
import pg from 'pg';
import { sql } from 'slonik';
import { z } from 'zod';
import { migrate, migrationNames } from '../src/db/migrate.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { type Club, createClub, createPlayer, putContractInState } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';
import { startServiceProcess } from './helpers/service-process.ts';

// docs/OPERATING.md, "Deploying": code never serves from a schema that lacks one of its migrations. Until
// they have all run, every route but /healthz and /readyz answers 503 migrations_pending; a process
// waiting for another's migrations listens meanwhile.

const quiet = { log: () => {} };
/** The migration that gave family links their player id: new code on a schema without it answered 404 and 500. */
const LINKS_NAME_THEIR_PLAYER = '0026_links-name-their-player';

interface OldSchema {
  readonly db: TestDatabase;
  readonly club: Club;
  readonly playerId: number;
  /** A live family link, made before the migrations were reverted. */
  readonly token: string;
  readonly missing: string[];
}

/** A database with an offer, then migrated back to before LINKS_NAME_THEIR_PLAYER, as a deploy finds it. */
async function databaseOnTheOldSchema(t: ExecutionContext): Promise<OldSchema> {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  const token = await putContractInState(db.pool, club, playerId, 'offered');
  const missing = migrationNames().slice(migrationNames().indexOf(LINKS_NAME_THEIR_PLAYER));
  await migrate(db.url, { direction: 'down', count: missing.length, ...quiet });
  return { db, club, playerId, token, missing };
}

test('on a database missing a migration, an admin route, a family GET and a family POST answer 503 migrations_pending; once migrated, the next readiness probe opens them', async (t) => {
  const { db, club, playerId, token, missing } = await databaseOnTheOldSchema(t);
  const server = await startTestServer(db.pool);
  t.teardown(() => server.close());
  const adminToken = await server.adminToken(club.slug);

  const closed = [
    await request(server.baseUrl, 'GET', `/admin/players/${playerId}`, { token: adminToken }),
    await request(server.baseUrl, 'GET', `/contract/${token}`),
    await request(server.baseUrl, 'POST', `/contract/${token}/sign`, { body: { signed_by: 'Dana Park', accept_terms: true } }),
  ];
  for (const reply of closed) t.like(reply, { status: 503, body: { error: { code: 'migrations_pending' } } });
  t.is((await request(server.baseUrl, 'GET', '/healthz')).status, 200);
  t.like(await request(server.baseUrl, 'GET', '/readyz'), {
    status: 503,
    body: { checks: { migrations: 'pending' }, pending_migrations: missing },
  });

  await migrate(db.url, { direction: 'up', ...quiet });
  t.is((await request(server.baseUrl, 'GET', '/readyz')).status, 200);
  t.like(await request(server.baseUrl, 'GET', `/contract/${token}`), { status: 200, body: { status: 'offered' } });
  t.is((await request(server.baseUrl, 'GET', `/admin/players/${playerId}`, { token: adminToken })).status, 200);
});

test('migrations a newer release added keep an older release serving: only missing ones close the gate', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  await db.pool.query(sql.unsafe`INSERT INTO pgmigrations (name, run_on) VALUES ('9999_from-a-newer-release', now())`);
  const club = await createClub(db.pool);
  const server = await startTestServer(db.pool);
  t.teardown(() => server.close());

  t.is((await request(server.baseUrl, 'GET', '/readyz')).status, 200);
  t.is((await request(server.baseUrl, 'GET', '/admin/players', { token: await server.adminToken(club.slug) })).status, 200);
});

test('a process waiting for another’s migration lock listens: /healthz 200, /readyz 503, other routes 503 migrations_pending; it serves once the lock is free', async (t) => {
  t.timeout(120_000);
  const { db, token, missing } = await databaseOnTheOldSchema(t);
  // Another instance migrating: it holds node-pg-migrate's advisory lock.
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  t.teardown(() => other.end());
  await other.query('SELECT pg_advisory_lock($1)', [String(PG_MIGRATE_LOCK_ID)]);

  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-data-'));
  t.teardown(() => fs.rm(dataDir, { recursive: true, force: true }));
  const service = await startServiceProcess({ DATABASE_URL: db.url, DATA_DIR: dataDir }, { readyMessage: 'listening' });
  t.teardown(() => service.child.kill('SIGKILL'));
  await eventually(
    'the service waiting for the migration lock',
    () => advisoryLockWaiters(db),
    (count) => count === 1n,
  );

  t.is((await request(service.baseUrl, 'GET', '/healthz')).status, 200);
  t.like(await request(service.baseUrl, 'GET', '/readyz'), { status: 503, body: { pending_migrations: missing } });
  t.like(await request(service.baseUrl, 'GET', `/contract/${token}`), { status: 503, body: { error: { code: 'migrations_pending' } } });
  t.like(await request(service.baseUrl, 'GET', '/admin/players'), { status: 503, body: { error: { code: 'migrations_pending' } } });

  await other.query('SELECT pg_advisory_unlock($1)', [String(PG_MIGRATE_LOCK_ID)]);
  await eventually('serving', () => service.logs.some((line) => line.msg === 'serving'), Boolean, 60_000);
  t.is((await request(service.baseUrl, 'GET', '/readyz')).status, 200);
  t.like(await request(service.baseUrl, 'GET', `/contract/${token}`), { status: 200, body: { status: 'offered' } });
  t.deepEqual(service.logs.find((line) => line.msg === 'applied migrations')?.migrations, missing);
});

const advisoryLockWaiters = (db: TestDatabase) =>
  db.pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`
    SELECT count(*) FROM pg_locks
    WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  `);
