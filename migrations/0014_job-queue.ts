// sha256:a7c9baef7c028e107f39790ac5885e3051fef9e55c36ceec8148ced0d0dc0821 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import { runMigrations } from 'graphile-worker';
import type { MigrationBuilder } from 'node-pg-migrate';
import pg from 'pg';
import { MIGRATION_DATABASE_KEY, migrationDatabaseUrl } from '../src/db/migrate.ts';

// The job queue that delivers the family's e-mail: graphile-worker, in the schema graphile_worker.
// Its own migrator installs that schema, pinned to the version package.json names exactly
// (test/job-queue.test.ts checks the two agree). It opens, commits and closes its own connection,
// so the schema stays if a later migration of the same run fails; installing it again is a no-op.
// The contract functions add jobs with graphile_worker.add_job inside their own transaction.
export async function up(pgm: MigrationBuilder): Promise<void> {
  const [{ key }] = (await pgm.db.select(MIGRATION_DATABASE_KEY)) as [{ key: string }];
  const pgPool = new pg.Pool({ connectionString: migrationDatabaseUrl(key), max: 1 });
  // Errors reach the migration through runMigrations; idle clients have nothing to report.
  pgPool.on('error', () => {});
  pgPool.on('connect', (client) => client.on('error', () => {}));
  try {
    await runMigrations({ pgPool });
  } finally {
    await pgPool.end();
  }
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP SCHEMA graphile_worker CASCADE');
}
