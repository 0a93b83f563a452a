-- The audited way round the contract rules, for an operator who must repair a row by hand:
-- the players_contract_rules trigger refuses every other change of a contract column that is not
-- one of the machine's transitions.
--
-- p_changes names contract columns and their new values the way the audit snapshots do, e.g.
-- '{"contract_status": "declined", "contract_declined_at": "2026-01-31T18:00:00Z"}'. Under the
-- player's row lock it sets them and writes an admin_override audit row with the contract before
-- and after, who made the change and why. A token it replaces stays routed (contract_links) and is
-- held no more, so that link answers 410 as replaced (lock_offered_contract). The table's CHECKs
-- still hold: a signed contract needs its signed_at.
CREATE OR REPLACE FUNCTION override_contract(
  p_tenant_id integer,
  p_player_id integer,
  p_changes jsonb,
  p_reason text,
  p_actor text
) RETURNS TABLE (audit_id bigint, old_state jsonb, new_state jsonb)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  -- The columns an override can set; a contract column added later must join this list.
  settable CONSTANT text[] := ARRAY[
    'contract_status', 'contract_token', 'monthly_fee', 'contract_offered_at', 'contract_offered_by',
    'contract_signed_at', 'contract_signed_by', 'contract_signed_ip', 'contract_signature_url',
    'contract_version', 'contract_declined_at'
  ];
  before players;
  after players;
  unknown text[];
  current_team_ids integer[];
  before_state jsonb;
  after_state jsonb;
  new_audit_id bigint;
BEGIN
  IF btrim(coalesce(p_reason, '')) = '' OR btrim(coalesce(p_actor, '')) = '' THEN
    RAISE EXCEPTION 'an override needs a reason and the name of who makes it' USING ERRCODE = 'CTOVR';
  END IF;
  IF jsonb_typeof(p_changes) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'the changes are a JSON object of contract columns and their new values' USING ERRCODE = 'CTOVR';
  END IF;
  unknown := ARRAY(SELECT key FROM jsonb_object_keys(p_changes) AS key WHERE key <> ALL (settable) ORDER BY key);
  IF cardinality(unknown) > 0 THEN
    RAISE EXCEPTION 'override_contract cannot set %', array_to_string(unknown, ', ')
      USING ERRCODE = 'CTOVR', HINT = format('It sets %s.', array_to_string(settable, ', '));
  END IF;

  SELECT * INTO before
  FROM players
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'player % not found', p_player_id USING ERRCODE = 'UNKPL';
  END IF;
  after := jsonb_populate_record(before, p_changes);
  IF after IS NOT DISTINCT FROM before THEN
    RAISE EXCEPTION 'the override changes nothing' USING ERRCODE = 'CTOVR';
  END IF;

  IF before.contract_token IS NOT NULL AND after.contract_token IS DISTINCT FROM before.contract_token THEN
    -- The offer's signers go with its link: their own links, held no more, answer as replaced, and
    -- the new token is the player's one link, as for an offer made before signers existed.
    DELETE FROM contract_signers WHERE contract_signers.tenant_id = p_tenant_id AND contract_signers.player_id = p_player_id;
  END IF;

  PERFORM permit_contract_write(p_tenant_id, p_player_id, 'override');
  UPDATE players SET
    contract_status = after.contract_status,
    contract_token = after.contract_token,
    monthly_fee = after.monthly_fee,
    contract_offered_at = after.contract_offered_at,
    contract_offered_by = after.contract_offered_by,
    contract_signed_at = after.contract_signed_at,
    contract_signed_by = after.contract_signed_by,
    contract_signed_ip = after.contract_signed_ip,
    contract_signature_url = after.contract_signature_url,
    contract_version = after.contract_version,
    contract_declined_at = after.contract_declined_at
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  RETURNING * INTO after;

  current_team_ids := team_ids_of_player(p_tenant_id, p_player_id);
  before_state := snapshot_contract(before, current_team_ids);
  after_state := snapshot_contract(after, current_team_ids);
  INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source, reason)
  VALUES (p_tenant_id, p_player_id, 'admin_override', before_state, after_state, p_actor, 'override_contract', p_reason)
  RETURNING contract_audit_log.id INTO new_audit_id;

  RETURN QUERY SELECT new_audit_id, before_state, after_state;
END;
$$;
