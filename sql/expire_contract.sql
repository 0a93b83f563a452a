-- EXPIRE (docs/PRODUCT.md, "The state machine"): the job queue's call at an offer's deadline. Under
-- the row lock it expires the offer only if it is still that very offer, open (the link's sha256
-- matches): a signature, a decline, a withdrawal or a newer offer that won the race stands, and the
-- call is then nothing. Returns whether the offer expired. The link answers 410 contract_expired.
CREATE OR REPLACE FUNCTION expire_contract(
  p_tenant_id integer,
  p_player_id integer,
  p_contract_token_sha256 bytea,
  p_allowed_from text[]
) RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
  before players;
  after players;
  rule contract_transitions;
  current_team_ids integer[];
BEGIN
  SELECT * INTO before FROM players
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  FOR UPDATE;
  IF before.contract_status IS DISTINCT FROM 'offered'
    OR sha256(convert_to(before.contract_token, 'UTF8')) IS DISTINCT FROM p_contract_token_sha256 THEN
    RETURN false;
  END IF;
  rule := contract_transition(before.contract_status, '{"type": "EXPIRE"}', '{}', p_allowed_from);

  PERFORM permit_contract_write(p_tenant_id, p_player_id, 'EXPIRE');
  UPDATE players SET contract_status = rule.to_status
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  RETURNING * INTO after;

  current_team_ids := player_team_ids(p_tenant_id, p_player_id);
  INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source)
  VALUES (
    p_tenant_id, p_player_id, rule.audit_event,
    contract_snapshot(before, current_team_ids), contract_snapshot(after, current_team_ids),
    'system', 'offer_deadline'
  );
  UPDATE contract_messages SET status = 'skipped', last_error = 'the offer expired before it left'
  WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.player_id = p_player_id
    AND contract_messages.status = 'queued' AND contract_messages.kind IN ('offer', 'reminder');
  PERFORM graphile_worker.remove_job(contract_reminder_job_key(p_tenant_id, p_player_id));
  RETURN true;
END;
$$;
