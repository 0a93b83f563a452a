// sha256:68e5e08a812d8d4317e00a875eef38036348d48891f4e2b7b8e7bd3dd52be5df sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// The sealer finds the rows of a transaction range by these (0063), without a scan of the log.
// Built CONCURRENTLY, so writes to the log go on (outside a transaction, so written to be run again:
// an invalid index a failed build left is dropped first).
const INDEXES = [
  ['contract_audit_log_by_xact', 'contract_audit_log'],
  ['contract_audit_log_removed_by_xact', 'contract_audit_log_removed'],
] as const;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.noTransaction();
  pgm.sql(`SET lock_timeout = '2s'`);
  for (const [index, table] of INDEXES) {
    pgm.sql(`
      DO $$
      BEGIN
        IF EXISTS (
          SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indexrelid
          WHERE pg_class.relname = '${index}' AND NOT pg_index.indisvalid
        ) THEN
          DROP INDEX ${index};
        END IF;
      END $$;
    `);
    pgm.sql(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${index} ON ${table} (xact_id) WHERE xact_id IS NOT NULL`);
  }
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.noTransaction();
  for (const [index] of INDEXES) pgm.sql(`DROP INDEX CONCURRENTLY IF EXISTS ${index}`);
}
