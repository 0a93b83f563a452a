-- The last step of an admin write that carries an Idempotency-Key: stores the write's outcome with
-- the key claim_idempotency_key took, in the same transaction, so a retry gets this outcome again.
-- With no claim it does nothing. PL/pgSQL rather than SQL: a SQL function's statement is planned
-- again on every call, and every write calls this.
CREATE OR REPLACE FUNCTION settle_idempotency_key(p_tenant_id integer, p_claim idempotency_claim, p_outcome jsonb) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  IF p_claim IS NULL THEN
    RETURN;
  END IF;
  UPDATE idempotency_keys SET response = p_outcome - 'replayed'
  WHERE idempotency_keys.tenant_id = p_tenant_id AND idempotency_keys.key = (p_claim).key;
END;
$$;
