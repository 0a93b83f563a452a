import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { MIGRATIONS_TABLE } from '../db/migrate.ts';
import { sqlStateOf } from '../errors.ts';

/**
 * Whether this build's code may serve from its database (docs/OPERATING.md, "Deploying"): code on
 * a schema that lacks one of its migrations answers wrongly (404 for a link that exists, 500 for a
 * column not there yet), so until every migration this build ships has run, every route but the
 * probes answers 503 `migrations_pending` (src/http/middleware.ts). Migrations this build does not
 * know, a newer release's, keep it open: the old release serves on through a deploy.
 *
 * Checked at start-up, once this process's migrations have run, and by every readiness probe; a
 * request only reads the flag.
 */
export interface SchemaGate {
  isOpen(): boolean;
  /** Reads which migrations the database has run, opens or closes the gate to match, and returns the ones missing. */
  check(): Promise<string[]>;
}

export function createSchemaGate(pool: DatabasePool, expectedMigrations: readonly string[]): SchemaGate {
  let open = false;
  return {
    isOpen: () => open,
    check: async () => {
      const applied = await appliedMigrations(pool);
      const missing = expectedMigrations.filter((name) => !applied.has(name));
      open = missing.length === 0;
      return missing;
    },
  };
}

async function appliedMigrations(pool: DatabasePool): Promise<Set<string>> {
  try {
    const names = await pool.anyFirst(
      sql.type(z.object({ name: z.string() }))`SELECT name FROM ${sql.identifier([MIGRATIONS_TABLE])}`,
    );
    return new Set(names);
  } catch (error) {
    if (sqlStateOf(error) === '42P01') return new Set(); // never migrated: the table is not there yet
    throw error;
  }
}
