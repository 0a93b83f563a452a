// sha256:71481dcca9eab7f717351f2f6cef5bf69cab2ed89a2c2f852af48450323a9428 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// A player's links, for the one question asked of them all at once: whether the player held a link
// before the current one (sql/begin_signer_message.sql, an offer's "replaces an earlier offer"),
// which superseded_contract_tokens' own index answered while offers recorded replaced links there.
// Built CONCURRENTLY (outside a transaction, so this migration is written to be run again: IF NOT
// EXISTS), so links keep being minted meanwhile; a build that failed half way leaves an invalid
// index, which the first statement of a rerun drops.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.noTransaction();
  pgm.sql(`SET lock_timeout = '2s'`);
  pgm.sql(`
    DO $$
    BEGIN
      IF EXISTS (
        SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indexrelid
        WHERE pg_class.relname = 'contract_links_by_player' AND NOT pg_index.indisvalid
      ) THEN
        DROP INDEX contract_links_by_player;
      END IF;
    END $$;
  `);
  pgm.sql('CREATE INDEX CONCURRENTLY IF NOT EXISTS contract_links_by_player ON contract_links (tenant_id, player_id)');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.noTransaction();
  pgm.sql('DROP INDEX CONCURRENTLY IF EXISTS contract_links_by_player');
}
