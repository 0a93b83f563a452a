// sha256:cb0e514ee28e75b9933a554a1e4fcf81f171a058e73ab52f3b74d0735a98266e sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// 0045's external_id made unique per club and its CHECK validated, without stopping writes to
// players: the index is built CONCURRENTLY (outside a transaction, so this migration is written to
// be run again: IF NOT EXISTS), and VALIDATE CONSTRAINT takes no write lock. A build that failed
// half way leaves an invalid index, which the DROP … IF EXISTS of a rerun's first statement clears.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.noTransaction();
  pgm.sql(`SET lock_timeout = '2s'`);
  pgm.sql(`
    DO $$
    BEGIN
      IF EXISTS (
        SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indexrelid
        WHERE pg_class.relname = 'players_external_id_unique' AND NOT pg_index.indisvalid
      ) THEN
        DROP INDEX players_external_id_unique;
      END IF;
    END $$;
  `);
  pgm.sql('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS players_external_id_unique ON players (tenant_id, external_id)');
  pgm.sql('ALTER TABLE players VALIDATE CONSTRAINT players_external_id_check');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.noTransaction();
  pgm.sql('DROP INDEX CONCURRENTLY IF EXISTS players_external_id_unique');
}
