// sha256:5dca1cd5d249ab8d4d5337bd235beb8138767f1da56af54f95b35962a24f9f4b sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Issue 13, item 5: a trail anyone can verify. Every audit row carries a hash chained per club,
// computed by the database on insert (sql/contract_audit_log_chain.sql, over
// sql/contract_audit_log_content.sql; both installed by 0017), and `club-contracts audit verify`
// recomputes it. A row removed with its player leaves its id and hashes behind
// (sql/contract_audit_log_tombstone.sql), so the chain can be followed across the gap.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    -- ADD COLUMN locks the table (ACCESS EXCLUSIVE) until this migration commits: no row is written,
    -- and none read, between the backfill below and the trigger that chains every later row.
    ALTER TABLE contract_audit_log
      ADD COLUMN previous_hash bytea CONSTRAINT contract_audit_log_previous_hash_is_sha256 CHECK (octet_length(previous_hash) = 32),
      ADD COLUMN hash bytea CONSTRAINT contract_audit_log_hash_is_sha256 CHECK (octet_length(hash) = 32);

    -- Each club's newest chained row: the row the next one chains onto, locked by that insert.
    CREATE TABLE contract_audit_chain_heads (
      tenant_id integer PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
      last_id bigint NOT NULL,
      last_hash bytea NOT NULL CHECK (octet_length(last_hash) = 32)
    );

    -- Audit rows removed with their player: where they were in the chain, not what they said.
    CREATE TABLE contract_audit_log_removed (
      tenant_id integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      id bigint NOT NULL,
      previous_hash bytea CHECK (octet_length(previous_hash) = 32),
      hash bytea NOT NULL CHECK (octet_length(hash) = 32),
      removed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    );

    -- The rows written before this migration get their chain, club by club in id order, exactly as
    -- the trigger would have built it. contract_audit_log_append_only refuses every UPDATE and has
    -- no way round it (a setting that let one through could be set by anyone), so it is disabled
    -- for the backfill only: inside this migration's transaction, under the lock above, so no other
    -- session ever finds it off; if anything fails, the rollback turns it back on with the rest.
    ALTER TABLE contract_audit_log DISABLE TRIGGER contract_audit_log_append_only;
    DO $$
    DECLARE
      entries CURSOR FOR SELECT * FROM contract_audit_log ORDER BY tenant_id, id FOR UPDATE;
      entry contract_audit_log;
      club integer;
      previous bytea;
    BEGIN
      OPEN entries;
      LOOP
        FETCH entries INTO entry;
        EXIT WHEN NOT FOUND;
        IF club IS DISTINCT FROM entry.tenant_id THEN
          club := entry.tenant_id;
          previous := NULL;
        END IF;
        UPDATE contract_audit_log
        SET previous_hash = previous,
            hash = sha256(coalesce(previous, ''::bytea) || convert_to(contract_audit_log_content(entry), 'UTF8'))
        WHERE CURRENT OF entries
        RETURNING hash INTO previous;
      END LOOP;
      CLOSE entries;
    END
    $$;
    ALTER TABLE contract_audit_log ENABLE TRIGGER contract_audit_log_append_only;

    INSERT INTO contract_audit_chain_heads (tenant_id, last_id, last_hash)
    SELECT DISTINCT ON (tenant_id) tenant_id, id, hash FROM contract_audit_log ORDER BY tenant_id, id DESC;

    ALTER TABLE contract_audit_log ALTER COLUMN hash SET NOT NULL;

    CREATE TRIGGER contract_audit_log_chain
      BEFORE INSERT ON contract_audit_log
      FOR EACH ROW EXECUTE FUNCTION contract_audit_log_chain();
    CREATE TRIGGER contract_audit_log_tombstone
      AFTER DELETE ON contract_audit_log
      FOR EACH ROW EXECUTE FUNCTION contract_audit_log_tombstone();
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP TRIGGER contract_audit_log_tombstone ON contract_audit_log;
    DROP TRIGGER contract_audit_log_chain ON contract_audit_log;
    DROP TABLE contract_audit_log_removed;
    DROP TABLE contract_audit_chain_heads;
    ALTER TABLE contract_audit_log DROP COLUMN hash, DROP COLUMN previous_hash;
  `);
}
