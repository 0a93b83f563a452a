-- DECLINE (docs/PRODUCT.md, "The state machine"): offered → declined, by the family through their
-- link, in one call. Under the row lock, contract_transition applies the service machine's
-- judgement (p_allowed_from) and the rules, or raises the state's refusal. The token stays on the
-- player, so the link shows the decline, but it can no longer be signed. The family's confirmation
-- e-mail is queued and the offer's reminders cancelled in the same transaction.
CREATE OR REPLACE FUNCTION decline_contract(p_token text, p_allowed_from text[]) RETURNS TABLE (
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
  terms_body text
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  before players := lock_offered_contract(p_token);
  rule contract_transitions := contract_transition(before.contract_status, '{"type": "DECLINE"}', '{}', p_allowed_from);
  after players;
  answer_audit_id bigint;
BEGIN
  PERFORM permit_contract_write(before.tenant_id, before.id, 'DECLINE');
  UPDATE players SET contract_status = rule.to_status, contract_declined_at = now()
  WHERE players.tenant_id = before.tenant_id AND players.id = before.id
  RETURNING * INTO after;

  answer_audit_id := write_family_audit(rule.audit_event, before, after);
  PERFORM queue_contract_message(before.tenant_id, before.id, 'confirmation', after.email, NULL, answer_audit_id);
  -- The family answered: no automatic reminder of this offer is due any more.
  PERFORM graphile_worker.remove_job(contract_reminder_job_key(before.tenant_id, before.id));
  RETURN QUERY SELECT before.tenant_id, before.id, answer_audit_id, answer.* FROM family_answer(before, after) AS answer;
END;
$$;
