import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
export const MIGRATIONS_TABLE = 'pgmigrations';

export interface MigrateOptions {
  readonly direction: 'up' | 'down';
  /** How many migrations to apply or revert; all of them by default. */
  readonly count?: number;
  readonly log: (message: string) => void;
  /** The migrations folder; this build's by default. */
  readonly dir?: string;
}

/**
 * Applies or reverts migrations and returns the names of those it ran. node-pg-migrate holds an
 * advisory lock meanwhile, so instances starting together take turns instead of racing.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions): Promise<string[]> {
  runningMigrations()[RUNNING_AGAINST] = databaseUrl;
  // Our own client: node-pg-migrate ends its own without waiting and without an 'error' listener,
  // so a connection the server closes a moment later (a dropped test database, a restart) would
  // crash the process.
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', (error) => options.log(`migration connection: ${error.message}`));
  await client.connect();
  try {
    return await runMigrations(client, options);
  } finally {
    delete runningMigrations()[RUNNING_AGAINST];
    await client.end();
  }
}

// node-pg-migrate imports the migration files into a module graph of its own, where this module is
// a second instance: what the two share is the global object.
const RUNNING_AGAINST = Symbol.for('club-contracts.migration-database-url');
const runningMigrations = () => globalThis as unknown as Record<symbol, string | undefined>;

/**
 * The database the running migration applies to, for a migration that must install something with
 * its own connection (graphile-worker's schema, which its own migrator installs and commits).
 */
export function migrationDatabaseUrl(): string {
  const url = runningMigrations()[RUNNING_AGAINST];
  if (url === undefined) throw new Error('no migration is running');
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
