-- WITHDRAW (docs/PRODUCT.md, "The state machine"): the club takes back an open offer, in one call,
-- with or without an Idempotency-Key. Under the row lock end_offered_contract takes the steps it
-- shares with EXPIRE (contract_transition's judgement and rules, the state, the audit row, which here
-- keeps the reason, the unsent e-mail and the reminders); the offer's pending mail job goes too. The
-- family's link answers 410 contract_withdrawn from then on.
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
  ended record;
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
  SELECT * INTO ended
  FROM end_offered_contract(before, 'WITHDRAW', p_allowed_from, p_actor, p_source, p_reason, 'the offer was withdrawn before it left');
  PERFORM graphile_worker.remove_job(contract_offer_mail_key(p_tenant_id, p_player_id));

  outcome := ROW(false, before.contract_status, ended.new_status, ended.audit_id, p_actor);
  PERFORM settle_idempotency_key(p_tenant_id, p_idempotency, to_jsonb(outcome));
  RETURN NEXT outcome;
END;
$$;
