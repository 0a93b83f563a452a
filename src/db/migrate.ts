import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
export const MIGRATIONS_TABLE = 'pgmigrations';

export interface MigrateOptions {
  readonly direction: 'up' | 'down';
  /** How many migrations to apply or revert; all of them by default. */
  readonly count?: number;
  readonly log: (message: string) => void;
}

/**
 * Applies or reverts migrations. node-pg-migrate holds an advisory lock meanwhile, so instances
 * starting together take turns instead of racing.
 */
/** Returns the names of the migrations it ran. */
export async function migrate(databaseUrl: string, options: MigrateOptions): Promise<string[]> {
  const ran = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
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
