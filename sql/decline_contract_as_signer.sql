-- DECLINE (docs/PRODUCT.md, "The state machine" and "Who signs"), by any signer of the offer
-- through their own link, in one call: it declines the contract for every signer. Under the
-- player's row lock: a signer who has signed this open offer already is refused (CTSGY); then
-- contract_transition applies the service machine's judgement (p_allowed_from) and the rules. The
-- token stays on the player, so every signer's link shows the decline, but none can sign. One
-- `decline` audit row, a confirmation to every signer, and the offer's reminders go, in the same
-- transaction. Answers the contract as the link now shows it, with the link's signer and every
-- signer.
CREATE OR REPLACE FUNCTION decline_contract_as_signer(p_token text, p_allowed_from text[]) RETURNS TABLE (
  tenant_id integer,
  player_id integer,
  audit_id bigint,
  previous_status text,
  contract_status text,
  player_name text,
  team_names text[],
  monthly_fee integer,
  contract_version text,
  club_name text,
  terms_version integer,
  terms_title text,
  terms_sha256 bytea,
  terms_body text,
  signer_id integer,
  signers jsonb
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  before players := lock_offered_contract(p_token);
  team_ids integer[] := team_ids_of_player(before.tenant_id, before.id);
  old_state jsonb := snapshot_contract(before, team_ids);
  signer contract_signers;
  rule contract_transitions;
  after players;
  answer_audit_id bigint;
  recipient contract_signers;
BEGIN
  SELECT * INTO signer FROM contract_signers
  WHERE contract_signers.tenant_id = before.tenant_id AND contract_signers.token = p_token;
  IF before.contract_status = 'offered' AND signer.status = 'signed' THEN
    RAISE EXCEPTION 'already_signed_by_you: this signer has signed the open offer' USING ERRCODE = 'CTSGY';
  END IF;
  rule := contract_transition(before.contract_status, '{"type": "DECLINE"}', '{}', p_allowed_from);

  signer := signer_of_link(before, p_token);
  UPDATE contract_signers SET status = 'declined', answered_at = now()
  WHERE contract_signers.tenant_id = signer.tenant_id AND contract_signers.id = signer.id;

  PERFORM permit_contract_write(before.tenant_id, before.id, 'DECLINE');
  UPDATE players SET contract_status = rule.to_status, contract_declined_at = now()
  WHERE players.tenant_id = before.tenant_id AND players.id = before.id
  RETURNING * INTO after;

  INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source)
  VALUES (before.tenant_id, before.id, rule.audit_event, old_state, snapshot_contract(after, team_ids), 'family', 'family_link')
  RETURNING contract_audit_log.id INTO answer_audit_id;
  PERFORM queue_contract_event('DECLINE', rule.audit_event, after, before.contract_status, answer_audit_id, team_ids);

  FOR recipient IN
    SELECT * FROM contract_signers
    WHERE contract_signers.tenant_id = before.tenant_id AND contract_signers.player_id = before.id
    ORDER BY contract_signers.position
  LOOP
    PERFORM queue_signer_message(before.tenant_id, before.id, 'confirmation', NULL, answer_audit_id, recipient, before.email);
  END LOOP;
  -- The family answered: no automatic reminder of this offer is due any more.
  PERFORM graphile_worker.remove_job(contract_reminder_job_key(before.tenant_id, before.id));
  RETURN QUERY
  SELECT before.tenant_id, before.id, answer_audit_id, answer.*, signer.id, list_contract_signers(after)
  FROM family_answer(before, after) AS answer;
END;
$$;
