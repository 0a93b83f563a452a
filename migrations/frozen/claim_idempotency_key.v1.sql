-- The first half of an idempotent admin write (Idempotency-Key header). Called inside the same
-- transaction as the write it guards, before anything else, so that:
--   - a key seen before, with the same request, returns the stored outcome and the caller writes
--     nothing (replay);
--   - the same key with a different request raises IDKRU;
--   - a duplicate arriving while the first is still running queues on the key's unique index and,
--     when the first commits, gets its outcome; if the first rolls back, the duplicate goes ahead.
--     It waits at most p_wait, then raises IDKIP, so it never runs a second time.
-- Returns NULL when the caller has claimed the key and must do the write, then save its outcome.
-- An expired key is taken over as new. Each new claim also removes a few of the club's expired
-- keys, so the table stays the size of the live keys without a cleanup job.
CREATE FUNCTION claim_idempotency_key(
  p_tenant_id integer,
  p_key text,
  p_request_hash bytea,
  p_ttl interval,
  p_wait interval
) RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
  unbounded_wait text := current_setting('lock_timeout');
  claimed boolean;
  existing idempotency_keys;
BEGIN
  BEGIN
    PERFORM set_config('lock_timeout', (extract(epoch FROM p_wait) * 1000)::bigint::text, true);
    INSERT INTO idempotency_keys AS held (tenant_id, key, request_hash, expires_at)
    VALUES (p_tenant_id, p_key, p_request_hash, now() + p_ttl)
    ON CONFLICT (tenant_id, key) DO UPDATE
      SET request_hash = EXCLUDED.request_hash, response = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
      WHERE held.expires_at <= now()
    RETURNING true INTO claimed;
  EXCEPTION WHEN lock_not_available THEN
    RAISE EXCEPTION 'a request with this idempotency key is still running'
      USING ERRCODE = 'IDKIP', HINT = 'Retry once it has finished.';
  END;
  -- The row lock on the player that the write takes next must wait as long as it needs (SPEC §8).
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

  SELECT * INTO existing FROM idempotency_keys WHERE tenant_id = p_tenant_id AND key = p_key;
  IF existing.request_hash <> p_request_hash THEN
    RAISE EXCEPTION 'this idempotency key was used for a different request'
      USING ERRCODE = 'IDKRU', HINT = 'Use a new key for a new request.';
  END IF;
  RETURN existing.response;
END;
$$;
