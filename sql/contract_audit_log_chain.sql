-- Chains each club's audit rows (docs/PRODUCT.md, "Audit log"; README, "Tamper evidence"). Before a
-- row is inserted into contract_audit_log it gets
--   previous_hash := the hash of the club's previous row (NULL for the club's first), and
--   hash := sha256(previous_hash ‖ convert_to(contract_audit_log_content(row), 'UTF8'))
-- where a NULL previous_hash adds no bytes. The club's chain head (contract_audit_chain_heads: its
-- last row's id and hash) is locked first and stays locked until the transaction ends, so one
-- club's inserts take turns and each chains onto a committed row: a row that rolls back is nobody's
-- predecessor, and other clubs never wait. A REPEATABLE READ or SERIALIZABLE writer that would
-- chain onto a head it cannot see fails with a serialization error instead of forking the chain.
-- The row's id was drawn before the lock; a row of the club that took the lock first with a later
-- id gets a fresh id from the sequence, so the chain runs in id order (ids may skip, as they do
-- after a rollback).
CREATE OR REPLACE FUNCTION contract_audit_log_chain() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  head contract_audit_chain_heads;
BEGIN
  LOOP
    SELECT * INTO head FROM contract_audit_chain_heads
    WHERE contract_audit_chain_heads.tenant_id = NEW.tenant_id
    FOR UPDATE;
    EXIT WHEN FOUND;
    -- The club's first row. Another transaction may be writing its first row too: this insert
    -- waits for it, and if it committed, the loop chains onto its row instead.
    NEW.previous_hash := NULL;
    NEW.hash := sha256(convert_to(contract_audit_log_content(NEW), 'UTF8'));
    INSERT INTO contract_audit_chain_heads (tenant_id, last_id, last_hash)
    VALUES (NEW.tenant_id, NEW.id, NEW.hash)
    ON CONFLICT (tenant_id) DO NOTHING;
    IF FOUND THEN
      RETURN NEW;
    END IF;
  END LOOP;

  IF NEW.id <= head.last_id THEN
    NEW.id := nextval(pg_get_serial_sequence('contract_audit_log', 'id'));
  END IF;
  NEW.previous_hash := head.last_hash;
  NEW.hash := sha256(head.last_hash || convert_to(contract_audit_log_content(NEW), 'UTF8'));
  UPDATE contract_audit_chain_heads SET last_id = NEW.id, last_hash = NEW.hash
  WHERE contract_audit_chain_heads.tenant_id = NEW.tenant_id;
  RETURN NEW;
END;
$$;
