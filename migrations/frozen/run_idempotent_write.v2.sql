-- An admin write guarded by an Idempotency-Key, in one call and so one transaction: claim the key,
-- do the write, store its outcome with the key. A replay returns the stored outcome and writes
-- nothing. The outcome is what the write function returned, as JSON, from which the service builds
-- the same response as the first time.
--
-- v2: offer_contract v4 takes the states the service's machine allows the offer from.
CREATE FUNCTION run_idempotent_write(
  p_tenant_id integer,
  p_key text,
  p_request_hash bytea,
  p_ttl interval,
  p_wait interval,
  p_operation text,
  p_args jsonb,
  p_actor text
) RETURNS TABLE (replayed boolean, outcome jsonb)
LANGUAGE plpgsql
AS $$
DECLARE
  stored jsonb := claim_idempotency_key(p_tenant_id, p_key, p_request_hash, p_ttl, p_wait);
  result jsonb;
BEGIN
  IF stored IS NOT NULL THEN
    RETURN QUERY SELECT true, stored;
    RETURN;
  END IF;

  CASE p_operation
    WHEN 'offer_contract' THEN
      SELECT to_jsonb(offer) || jsonb_build_object('actor', p_actor) INTO result
      FROM offer_contract(
        p_tenant_id,
        (p_args->>'player_id')::integer,
        (p_args->>'monthly_fee')::integer,
        (p_args->>'target_team_id')::integer,
        (p_args->>'force')::boolean,
        ARRAY(SELECT jsonb_array_elements_text(p_args->'allowed_from')),
        p_actor,
        'admin_api'
      ) AS offer;
    WHEN 'create_team' THEN
      SELECT to_jsonb(team) INTO result FROM create_team(p_tenant_id, p_args->>'name') AS team;
    WHEN 'create_player' THEN
      SELECT to_jsonb(player) INTO result
      FROM create_player(
        p_tenant_id,
        p_args->>'name',
        p_args->>'email',
        ARRAY(SELECT jsonb_array_elements_text(p_args->'team_ids')::integer)
      ) AS player;
    ELSE
      RAISE EXCEPTION 'unknown idempotent operation %', p_operation;
  END CASE;

  UPDATE idempotency_keys SET response = result WHERE tenant_id = p_tenant_id AND key = p_key;
  RETURN QUERY SELECT false, result;
END;
$$;
