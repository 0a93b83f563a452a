-- Chains each player's audit rows (docs/DESIGN.md, "Tamper evidence"). Before a row is inserted
-- into contract_audit_log it gets
--   previous_hash := the hash of the player's previous row (NULL for the player's first), and
--   hash := sha256(previous_hash ‖ convert_to(contract_audit_log_content(row), 'UTF8'))
-- where a NULL previous_hash adds no bytes, and xact_id := the transaction writing it, by which the
-- worker later seals the club's rows into a checkpoint (seal_contract_audit). A player's rows take
-- turns under the player's row lock, which every transition already holds, so taking it here costs
-- nothing and makes any other writer wait its turn: each row chains onto a committed row of its
-- player, and no two players wait for each other. A REPEATABLE READ or SERIALIZABLE writer that
-- would chain onto a row it cannot see fails with a serialization error on that lock instead of
-- forking the chain. A row whose id was drawn before a predecessor that took the lock first gets a
-- fresh id, so each player's chain runs in id order. Rows written before this rule (xact_id NULL)
-- chain per club through contract_audit_chain_heads, and a player's first row under it chains onto
-- the player's last row under that one.
CREATE OR REPLACE FUNCTION contract_audit_log_chain() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  previous_id bigint;
  previous_hash bytea;
BEGIN
  PERFORM 1 FROM players WHERE players.tenant_id = NEW.tenant_id AND players.id = NEW.player_id FOR UPDATE;
  SELECT audit.id, audit.hash INTO previous_id, previous_hash
  FROM contract_audit_log AS audit
  WHERE audit.tenant_id = NEW.tenant_id AND audit.player_id = NEW.player_id
  ORDER BY audit.id DESC
  LIMIT 1;
  IF NEW.id <= previous_id THEN
    NEW.id := nextval(pg_get_serial_sequence('contract_audit_log', 'id'));
  END IF;
  NEW.xact_id := pg_current_xact_id();
  NEW.previous_hash := previous_hash;
  NEW.hash := sha256(coalesce(previous_hash, ''::bytea) || convert_to(contract_audit_log_content(NEW), 'UTF8'));
  RETURN NEW;
END;
$$;
