-- WITHDRAW (docs/PRODUCT.md, "The state machine"): the club takes back an open offer, in one call,
-- with or without an Idempotency-Key. Under the row lock contract_transition applies the service
-- machine's judgement and the rules; the `withdraw` audit row keeps the reason; the family's link
-- answers 410 contract_withdrawn from then on; the offer's unsent e-mail and its reminders go.
CREATE OR REPLACE FUNCTION withdraw_contract(
  p_tenant_id integer,
  p_player_id integer,
  p_reason text,
  p_allowed_from text[],
  p_actor text,
  p_source text,
  p_idempotency idempotency_claim DEFAULT NULL
) RETURNS SETOF withdraw_contract_outcome
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  replay jsonb := claim_idempotency_key(p_tenant_id, p_idempotency);
  before players;
  after players;
  rule contract_transitions;
  current_team_ids integer[];
  outcome withdraw_contract_outcome;
BEGIN
  IF replay IS NOT NULL THEN
    RETURN NEXT jsonb_populate_record(NULL::withdraw_contract_outcome, replay);
    RETURN;
  END IF;
  SELECT * INTO before FROM players
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'player % not found', p_player_id USING ERRCODE = 'UNKPL';
  END IF;
  rule := contract_transition(before.contract_status, '{"type": "WITHDRAW"}', '{}', p_allowed_from);

  PERFORM permit_contract_write(p_tenant_id, p_player_id, 'WITHDRAW');
  UPDATE players SET contract_status = rule.to_status
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  RETURNING * INTO after;

  current_team_ids := player_team_ids(p_tenant_id, p_player_id);
  outcome := ROW(false, before.contract_status, after.contract_status, NULL, p_actor);
  INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source, reason)
  VALUES (
    p_tenant_id, p_player_id, rule.audit_event,
    contract_snapshot(before, current_team_ids), contract_snapshot(after, current_team_ids),
    p_actor, p_source, p_reason
  )
  RETURNING contract_audit_log.id INTO outcome.audit_id;

  UPDATE contract_messages SET status = 'skipped', last_error = 'the offer was withdrawn before it left'
  WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.player_id = p_player_id
    AND contract_messages.status = 'queued' AND contract_messages.kind IN ('offer', 'reminder');
  PERFORM graphile_worker.remove_job(contract_offer_mail_key(p_tenant_id, p_player_id));
  PERFORM graphile_worker.remove_job(contract_reminder_job_key(p_tenant_id, p_player_id));

  PERFORM settle_idempotency_key(p_tenant_id, p_idempotency, to_jsonb(outcome));
  RETURN NEXT outcome;
END;
$$;
