import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { MIGRATIONS_TABLE } from './db/migrate.ts';
import { sqlStateOf } from './errors.ts';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: {
    readonly database: 'ok' | 'unreachable';
    readonly migrations: 'current' | 'pending' | 'unknown';
    readonly shutting_down: boolean;
  };
  /** Migrations this build ships that the database has not run. */
  readonly pending_migrations: string[];
}

/** Answers well inside a load balancer's probe timeout, even when the database hangs. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * GET /readyz (docs/PRODUCT.md, "Operations"): ready when the database answers, has run every
 * migration this build ships, and the service is not shutting down.
 */
export function createReadinessCheck(
  pool: DatabasePool,
  expectedMigrations: readonly string[],
  isShuttingDown: () => boolean,
): () => Promise<Readiness> {
  return async () => {
    const applied = await Promise.race([
      appliedMigrations(pool),
      new Promise<null>((resolve) => setTimeout(resolve, CHECK_TIMEOUT_MS, null).unref()),
    ]).catch(() => null);
    const pending = applied === null ? [] : expectedMigrations.filter((name) => !applied.has(name));
    const shuttingDown = isShuttingDown();
    return {
      ready: applied !== null && pending.length === 0 && !shuttingDown,
      checks: {
        database: applied === null ? 'unreachable' : 'ok',
        migrations: applied === null ? 'unknown' : pending.length === 0 ? 'current' : 'pending',
        shutting_down: shuttingDown,
      },
      pending_migrations: pending,
    };
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
