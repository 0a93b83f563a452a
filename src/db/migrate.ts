import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { PG_MIGRATE_LOCK_ID, runner } from 'node-pg-migrate';
import pg from 'pg';
import { sqlStateOf } from '../errors.ts';
import { refuseLossyDowns } from './lossy-downs.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
export const MIGRATIONS_TABLE = 'pgmigrations';

export interface MigrateOptions {
  readonly direction: 'up' | 'down';
  /** How many migrations to apply or revert; all of them by default. */
  readonly count?: number;
  readonly log: (message: string) => void;
  /** The migrations folder; this build's by default. */
  readonly dir?: string;
  /** Hears a migration that gave way to live traffic and will be tried again; `log` by default. */
  readonly warn?: (message: string) => void;
  /** How long a migration may wait, and how often it is tried; MIGRATION_LIMITS by default. */
  readonly limits?: MigrationLimits;
  /**
   * Revert even migrations whose down loses data `up` cannot bring back (src/db/down-risks.ts).
   * A down that cannot run on the data there is stays refused.
   */
  readonly loseData?: boolean;
}

export interface MigrationLimits {
  /** PostgreSQL's lock_timeout for each statement of a migration. */
  readonly lockTimeoutMs: number;
  /** PostgreSQL's statement_timeout for each statement of a migration. */
  readonly statementTimeoutMs: number;
  /** Tries of one migration, the first included, before the run gives up. */
  readonly attempts: number;
  /** The pause before the second try; it doubles before each next one. */
  readonly firstBackoffMs: number;
}

/**
 * A migration waiting for a lock makes every request that wants the same table queue behind it, so
 * its lock_timeout is what a deploy may add to a club's requests: 2 s stays well inside the
 * service's own 5 s statement timeout. Five tries with pauses of 1, 2, 4 and 8 s (each up to half
 * again, so two instances do not retry in step) outlast a burst of traffic; past them the deploy
 * stops and says which migration could not get its locks. A statement that runs for a minute holds
 * its locks for as long: a migration that truly needs longer (a large backfill) raises its own with
 * SET LOCAL statement_timeout, and had better work in batches.
 */
export const MIGRATION_LIMITS: MigrationLimits = {
  lockTimeoutMs: 2_000,
  statementTimeoutMs: 60_000,
  attempts: 5,
  firstBackoffMs: 1_000,
};

/**
 * Applies or reverts migrations and returns the names of those it ran (docs/OPERATING.md, "Deploying").
 * Each migration runs and commits in a transaction of its own, so no lock outlives the migration
 * that took it, and a failure keeps the migrations before it. A migration that gave way to live
 * traffic (lock_timeout, or chosen as a deadlock's victim) was rolled back whole and is tried again.
 * An advisory lock, node-pg-migrate's own, is held throughout, so instances starting together (and
 * `npm run migrate`) take turns instead of racing.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions): Promise<string[]> {
  // Our own client: node-pg-migrate ends its own without waiting and without an 'error' listener,
  // so a connection the server closes a moment later (a dropped test database, a restart) would
  // crash the process.
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', (error) => options.log(`migration connection: ${error.message}`));
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string }>(MIGRATION_DATABASE_KEY);
    const key = rows[0]?.key ?? '';
    const urls = running().get(key) ?? [];
    running().set(key, [...urls, databaseUrl]);
    try {
      // Waits as long as another instance migrates (the timeouts are only set inside migrations).
      await client.query('SELECT pg_advisory_lock($1)', [String(PG_MIGRATE_LOCK_ID)]);
      try {
        if (options.direction === 'down') await refuseLossyDowns(client, MIGRATIONS_TABLE, options);
        return await runMigrations(client, options);
      } finally {
        // A connection that died took its lock with it, and the error that matters is the run's.
        await client.query('SELECT pg_advisory_unlock($1)', [String(PG_MIGRATE_LOCK_ID)]).catch(() => {});
      }
    } finally {
      const left = (running().get(key) ?? []).slice(1);
      if (left.length === 0) running().delete(key);
      else running().set(key, left);
    }
  } finally {
    await client.end();
  }
}

// node-pg-migrate imports the migration files into a module graph of its own, where this module is
// a second instance: what the two share is the global object. Runs are told apart by the database
// they migrate, which a migration can ask its own connection for (MIGRATION_DATABASE_KEY).
const RUNNING = Symbol.for('club-contracts.running-migrations');
const running = (): Map<string, string[]> => {
  const global = globalThis as unknown as Record<symbol, Map<string, string[]> | undefined>;
  global[RUNNING] ??= new Map();
  return global[RUNNING];
};

/** The SQL a migration runs on its own connection to name the database it migrates. */
export const MIGRATION_DATABASE_KEY = "SELECT current_setting('port') || '/' || current_database() AS key";

/**
 * The URL of the database a running migration applies to, found by the key its connection reports
 * (MIGRATION_DATABASE_KEY): for a migration that must install something with a connection of its
 * own, such as graphile-worker's schema, which its own migrator installs and commits.
 */
export function migrationDatabaseUrl(key: string): string {
  const url = running().get(key)?.[0];
  if (url === undefined) throw new Error(`no migration is running on ${key}`);
  return url;
}

async function runMigrations(client: pg.Client, options: MigrateOptions): Promise<string[]> {
  const limits = options.limits ?? MIGRATION_LIMITS;
  const ran: string[] = [];
  const count = options.count ?? Number.POSITIVE_INFINITY;
  while (ran.length < count) {
    const next = await runOneMigration(client, options, limits);
    if (next === null) break;
    ran.push(next);
  }
  return ran;
}

/** Runs the next migration, trying it again while it gives way to live traffic; null when none is left. */
async function runOneMigration(client: pg.Client, options: MigrateOptions, limits: MigrationLimits): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [migration] = await runner({
        dbClient: withTimeouts(client, limits),
        dir: options.dir ?? MIGRATIONS_DIR,
        migrationsTable: MIGRATIONS_TABLE,
        direction: options.direction,
        count: 1,
        checkOrder: true,
        singleTransaction: false,
        // Held by migrate() for the whole run, across the tries.
        noLock: true,
        logger: { debug: () => {}, info: options.log, warn: options.log, error: options.log },
      });
      return migration?.name ?? null;
    } catch (error) {
      if (!(await gaveWay(client, error))) throw error;
      const name = await nextMigration(client, options);
      if (attempt === limits.attempts) {
        throw new Error(
          `migration ${name} could not take its locks in ${limits.attempts} tries (lock_timeout ${limits.lockTimeoutMs} ms): ` +
            'live traffic held them; nothing of it was applied. Deploy again at a quieter time, or split the migration ' +
            '(docs/OPERATING.md, "Deploying").',
          { cause: error },
        );
      }
      const pauseMs = Math.round(limits.firstBackoffMs * 2 ** (attempt - 1) * (1 + Math.random() / 2));
      (options.warn ?? options.log)(
        `migration ${name} gave way to live traffic (${error instanceof Error ? error.message : String(error)}); ` +
          `try ${attempt + 1} of ${limits.attempts} in ${pauseMs} ms`,
      );
      await sleep(pauseMs);
    }
  }
}

/**
 * The client node-pg-migrate runs on, whose every migration transaction starts by setting the
 * timeouts with SET LOCAL: they end with it, so they reach no other transaction, nor, through a
 * pooler, a connection of the service's. A migration run outside a transaction gets none.
 */
function withTimeouts(client: pg.Client, limits: MigrationLimits): pg.ClientBase {
  const begin = `BEGIN; SET LOCAL lock_timeout = ${limits.lockTimeoutMs}; SET LOCAL statement_timeout = ${limits.statementTimeoutMs};`;
  // node-pg-migrate's Migration opens each migration's transaction with exactly this statement.
  const query = (text: unknown, values?: unknown[]) => client.query(text === 'BEGIN;' ? begin : (text as string), values);
  return { query } as unknown as pg.ClientBase;
}

/**
 * Whether a failed migration gave way to live traffic inside its transaction, so that nothing of it
 * stays and it may run again whole; node-pg-migrate leaves that transaction open, and this rolls it
 * back. Outside a transaction (pgm.noTransaction()) part of a migration may have committed: it is
 * never run again.
 */
async function gaveWay(client: pg.Client, error: unknown): Promise<boolean> {
  // pg rejects a query on its error, before PostgreSQL says whether a transaction is open (so
  // getTransactionStatus() may be stale); a statement sent after it fails only in an aborted one.
  const aborted = await client.query('SELECT 1').then(
    () => false,
    () => true,
  );
  if (!aborted) return false;
  try {
    await client.query('ROLLBACK');
  } catch {
    return false; // the connection is gone: the run's own error says more
  }
  const sqlstate = sqlStateOf(error);
  return sqlstate !== undefined && GAVE_WAY.has(sqlstate);
}

/** lock_not_available (lock_timeout) and deadlock_detected (this migration was the victim chosen). */
const GAVE_WAY = new Set(['55P03', '40P01']);

/** The migration a failed run was applying (or reverting), to name it. */
async function nextMigration(client: pg.Client, options: MigrateOptions): Promise<string> {
  const { rows } = await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY run_on, id`);
  const applied = rows.map((row) => row.name);
  if (options.direction === 'down') return applied.at(-1) ?? 'none';
  return migrationNames(options.dir).find((name) => !applied.includes(name)) ?? 'none';
}

/** The migrations this build ships (or those in `dir`), by name, in order. */
export function migrationNames(dir = MIGRATIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => /^\d+_.+\.[jt]s$/.test(file))
    .map((file) => file.replace(/\.[jt]s$/, ''))
    .sort();
}
