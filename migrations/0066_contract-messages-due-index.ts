// sha256:5ba31d54d8c95b21901b89a2af49ff7256950104dd4084476efad932ab297391 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// The outbox's due messages (0065), which the worker polls for: only queued rows with a due_at, so
// an idle poll reads an empty range of a small index, however many messages were ever sent. Built
// CONCURRENTLY, outside a transaction, so inserts into contract_messages go on meanwhile; a build
// that failed half way leaves an invalid index, which a rerun's first statement drops.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.noTransaction();
  pgm.sql(`SET lock_timeout = '2s'`);
  pgm.sql(`
    DO $$
    BEGIN
      IF EXISTS (
        SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indexrelid
        WHERE pg_class.relname = 'contract_messages_due' AND NOT pg_index.indisvalid
      ) THEN
        DROP INDEX contract_messages_due;
      END IF;
    END $$;
  `);
  pgm.sql(`
    CREATE INDEX CONCURRENTLY IF NOT EXISTS contract_messages_due ON contract_messages (due_at)
    WHERE status = 'queued' AND due_at IS NOT NULL
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.noTransaction();
  pgm.sql('DROP INDEX CONCURRENTLY IF EXISTS contract_messages_due');
}
