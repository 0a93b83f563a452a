-- Keeps the place of every audit row removed with its player (the one removal
-- contract_audit_log_append_only allows) in its club's chain: contract_audit_log_removed gets the
-- row's id, its two hashes and the transaction that wrote it (so its checkpoint still adds up, and
-- one not yet sealed still gets it), none of its content. `club-contracts audit verify` follows the chain
-- through these, so a deleted player's history reads as removed with its player, while a row that
-- went any other way (the triggers disabled) breaks the chain. A row removed with its whole club
-- leaves nothing: the club's chain goes with it.
CREATE OR REPLACE FUNCTION contract_audit_log_tombstone() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM tenants WHERE tenants.id = OLD.tenant_id) THEN
    INSERT INTO contract_audit_log_removed (tenant_id, id, previous_hash, hash, xact_id)
    VALUES (OLD.tenant_id, OLD.id, OLD.previous_hash, OLD.hash, OLD.xact_id);
  END IF;
  RETURN NULL;
END;
$$;
