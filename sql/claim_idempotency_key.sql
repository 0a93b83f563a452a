-- The first step of an admin write that carries an Idempotency-Key; every such write function calls
-- it first, in its own transaction, and settle_idempotency_key last. With no claim (no key) it
-- returns NULL and the write goes ahead unguarded. Otherwise:
--   - a key seen before, with the same request, returns the stored outcome marked `replayed`, and
--     the caller returns it and writes nothing;
--   - the same key with a different request raises IDKRU;
--   - a duplicate arriving while the first is still running queues on the key's unique index and,
--     when the first commits, gets its outcome; if the first rolls back, the duplicate goes ahead.
--     It waits at most the claim's `wait`, then raises IDKIP, so it never runs a second time.
-- NULL means the caller holds the key and must do the write. An expired key is taken over as new.
-- Each new claim also removes a few of the club's expired keys, so the table stays the size of the
-- live keys without a cleanup job.
CREATE OR REPLACE FUNCTION claim_idempotency_key(p_tenant_id integer, p_claim idempotency_claim) RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
  unbounded_wait text := current_setting('lock_timeout');
  claimed boolean;
  existing idempotency_keys;
BEGIN
  IF p_claim IS NULL THEN
    RETURN NULL;
  END IF;
  BEGIN
    PERFORM set_config('lock_timeout', (extract(epoch FROM p_claim.wait) * 1000)::bigint::text, true);
    INSERT INTO idempotency_keys AS held (tenant_id, key, request_hash, expires_at)
    VALUES (p_tenant_id, p_claim.key, p_claim.request_hash, now() + p_claim.ttl)
    ON CONFLICT (tenant_id, key) DO UPDATE
      SET request_hash = EXCLUDED.request_hash, response = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
      WHERE held.expires_at <= now()
    RETURNING true INTO claimed;
  EXCEPTION WHEN lock_not_available THEN
    RAISE EXCEPTION 'a request with this idempotency key is still running'
      USING ERRCODE = 'IDKIP', HINT = 'Retry once it has finished.';
  END;
  -- The player's row lock that an offer takes next waits as long as it needs (offers never NOWAIT).
  PERFORM set_config('lock_timeout', unbounded_wait, true);

  IF claimed THEN
    DELETE FROM idempotency_keys
    WHERE (tenant_id, key) IN (
      SELECT stale.tenant_id, stale.key FROM idempotency_keys AS stale
      WHERE stale.tenant_id = p_tenant_id AND stale.expires_at <= now()
      ORDER BY stale.expires_at
      LIMIT 10
      FOR UPDATE SKIP LOCKED
    );
    RETURN NULL;
  END IF;

  SELECT * INTO existing FROM idempotency_keys WHERE tenant_id = p_tenant_id AND key = p_claim.key;
  IF existing.request_hash <> p_claim.request_hash THEN
    RAISE EXCEPTION 'this idempotency key was used for a different request'
      USING ERRCODE = 'IDKRU', HINT = 'Use a new key for a new request.';
  END IF;
  RETURN existing.response || '{"replayed": true}';
END;
$$;
