import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
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
  /**
   * Revert even migrations whose down loses data `up` cannot bring back (src/db/down-risks.ts).
   * A down that cannot run on the data there is stays refused.
   */
  readonly loseData?: boolean;
}

/**
 * Applies or reverts migrations and returns the names of those it ran. node-pg-migrate holds an
 * advisory lock meanwhile, so instances starting together take turns instead of racing.
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
      if (options.direction === 'down') await refuseLossyDowns(client, MIGRATIONS_TABLE, options);
      return await runMigrations(client, options);
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

async function runMigrations(dbClient: pg.Client, options: MigrateOptions): Promise<string[]> {
  const ran = await runner({
    dbClient,
    dir: options.dir ?? MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    direction: options.direction,
    count: options.count ?? Number.POSITIVE_INFINITY,
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    logger: { debug: () => {}, info: options.log, warn: options.log, error: options.log },
  });
  return ran.map((migration) => migration.name);
}

/** The migrations this build ships, by name, in order. */
export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d+_.+\.[jt]s$/.test(file))
    .map((file) => file.replace(/\.[jt]s$/, ''))
    .sort();
}
