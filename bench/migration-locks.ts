// `npm run bench:migrations`: what each migration locks, and for how long, on a database the size of
// a large deployment (docs/OPERATING.md, "Deploying"). The database is grown
// as `npm run bench`'s scale run grows it, at the newest schema; then, from the newest migration
// down, each is reverted and applied again while another connection samples pg_locks, so each `up`
// runs on the data every table before it holds. A migration runs in one transaction and holds
// every lock it took until it commits, so each runs from a wrapper that ends its transaction with
// a short sleep, long enough for the sampler to see every lock: the time reported leaves it out.
// MIGRATION_LOCKS_PLAYERS (300,000) and MIGRATION_LOCKS_AUDIT_ROWS (250,000; every player's offer
// writes one, so at least as many as players) set the size.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { appDatabaseUrl, ensureAppDatabase } from '../src/db/app-database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { MIGRATIONS_DIR, migrate, migrationNames } from '../src/db/migrate.ts';
import { freePort } from '../tools/free-port.ts';
import { loadScale } from './seed.ts';

const PLAYERS = Number(process.env.MIGRATION_LOCKS_PLAYERS ?? 300_000);
const AUDIT_ROWS = Number(process.env.MIGRATION_LOCKS_AUDIT_ROWS ?? 250_000);
const CLUBS = 1_000;
const APPLICATION = 'club-contracts-migration-locks';
/** Weakest first: a table's strongest mode is the one furthest along. */
const MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
];
/** What each mode stops of the service's traffic (PostgreSQL's conflict table, for its statements). */
const BLOCKS: Record<string, string> = {
  ShareLock: 'writes',
  ShareRowExclusiveLock: 'writes',
  ExclusiveLock: 'writes',
  AccessExclusiveLock: 'reads and writes',
};

const log = (line: string) => process.stderr.write(`${line}\n`);
const SAMPLED_MS = 250;

/** The migrations, each ending its transaction with a sleep of SAMPLED_MS (sealed files are only imported). */
async function sampledMigrations(dir: string): Promise<string> {
  await fs.mkdir(dir);
  for (const name of migrationNames()) {
    const original = JSON.stringify(path.join(MIGRATIONS_DIR, `${name}.ts`));
    await fs.writeFile(
      path.join(dir, `${name}.ts`),
      `import * as migration from ${original};\n` +
        `export const up = async (pgm) => { await migration.up(pgm); pgm.sql('SELECT pg_sleep(${SAMPLED_MS / 1000})'); };\n` +
        'export const down = migration.down;\n',
    );
  }
  return dir;
}

const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-migration-locks-'));
await fs.chmod(workDir, 0o755);
const cluster = await startEmbeddedPostgres({
  dataDir: path.join(workDir, 'postgres'),
  port: await freePort(),
  superuserPassword: randomBytes(12).toString('hex'),
  throwaway: true,
  onLog: () => {},
});
try {
  const app = { role: 'club_contracts', password: randomBytes(12).toString('hex'), database: 'migration_locks' };
  await ensureAppDatabase(cluster.superuserUrl('postgres'), app);
  const databaseUrl = appDatabaseUrl(cluster.superuserUrl('postgres'), app);
  const migrationUrl = `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}application_name=${APPLICATION}`;
  await migrate(databaseUrl, { direction: 'up', log: () => {} });
  log(`growing the database to ${CLUBS} clubs, ${PLAYERS} players, ${AUDIT_ROWS} audit rows…`);
  const size = await loadScale(databaseUrl, { clubs: CLUBS, players: PLAYERS, auditRows: AUDIT_ROWS }, log);

  const watcher = new pg.Client({ connectionString: cluster.superuserUrl(app.database) });
  await watcher.connect();
  const quiet = { log: () => {}, loseData: true, dir: await sampledMigrations(path.join(workDir, 'migrations')) };
  const rows: string[] = [];
  for (const name of migrationNames().slice(1).reverse()) {
    await migrate(databaseUrl, { direction: 'down', count: 1, ...quiet });
    const held = new Map<string, string>();
    let sampling = true;
    const sample = (async () => {
      while (sampling) {
        const { rows: locks } = await watcher.query<{ relation: string; mode: string }>(
          `SELECT tables.oid::regclass::text AS relation, locks.mode FROM pg_locks AS locks
           JOIN pg_stat_activity AS activity ON activity.pid = locks.pid
           JOIN pg_class AS tables ON tables.oid = locks.relation AND tables.relkind IN ('r', 'p')
           JOIN pg_namespace AS schemas ON schemas.oid = tables.relnamespace AND schemas.nspname <> 'pg_catalog'
           WHERE activity.application_name = $1 AND locks.locktype = 'relation' AND locks.granted`,
          [APPLICATION],
        );
        for (const { relation, mode } of locks) {
          if (MODES.indexOf(mode) > MODES.indexOf(held.get(relation) ?? '')) held.set(relation, mode);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const started = Date.now();
    await migrate(migrationUrl, { direction: 'up', count: 1, ...quiet });
    const seconds = (Date.now() - started - SAMPLED_MS) / 1000;
    sampling = false;
    await sample;
    const blocking = [...held]
      .filter(([, mode]) => BLOCKS[mode] !== undefined)
      .map(([relation, mode]) => `\`${relation}\` (${BLOCKS[mode]})`)
      .sort();
    rows.push(`| ${name.slice(0, 4)} | ${seconds.toFixed(1)} s | ${blocking.length === 0 ? '—' : blocking.join(', ')} |`);
    log(rows.at(-1) ?? '');
    await migrate(databaseUrl, { direction: 'down', count: 1, ...quiet });
  }
  await watcher.end();
  console.log(
    [
      `At ${size.players.toLocaleString('en')} players in ${size.clubs.toLocaleString('en')} clubs, ${size.auditRows.toLocaleString('en')} audit rows (an offer each, queued e-mail included):`,
      '',
      '| migration | time (locks held) | tables whose traffic it stops meanwhile |',
      '|---|---:|---|',
      ...rows.reverse(),
    ].join('\n'),
  );
} finally {
  await cluster.stop();
  await fs.rm(workDir, { recursive: true, force: true });
}
