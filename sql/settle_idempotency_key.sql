-- The last step of an admin write that carries an Idempotency-Key: stores the write's outcome with
-- the key claim_idempotency_key took, in the same transaction, so a retry gets this outcome again.
-- With no claim it does nothing.
CREATE OR REPLACE FUNCTION settle_idempotency_key(p_tenant_id integer, p_claim idempotency_claim, p_outcome jsonb) RETURNS void
LANGUAGE sql
AS $$
  UPDATE idempotency_keys SET response = p_outcome - 'replayed'
  WHERE p_claim IS NOT NULL AND idempotency_keys.tenant_id = p_tenant_id AND idempotency_keys.key = (p_claim).key;
$$;
