-- SIGN (docs/PRODUCT.md, "The state machine"): offered → signed, by the family through their link,
-- in one call. Under the row lock, contract_transition applies the service machine's judgement
-- (p_allowed_from) and the rules, or raises the state's refusal; then it records who signed, when,
-- from where and which contract version, with the signature's evidence (docs/PRODUCT.md,
-- "Evidence": consent to sign electronically, the disclosure shown, the user agent), writes the
-- `sign` audit row, queues the family's confirmation e-mail, cancels the offer's reminders, and
-- answers with the contract as the link now shows it.
CREATE OR REPLACE FUNCTION sign_contract_with_evidence(
  p_token text,
  p_signed_by text,
  p_signature_url text,
  p_signed_ip inet,
  p_contract_version text,
  p_allowed_from text[],
  p_esign_consent boolean,
  p_disclosure_version text,
  p_disclosure_sha256 bytea,
  p_user_agent text
) RETURNS TABLE (
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
  rule contract_transitions := contract_transition(before.contract_status, '{"type": "SIGN"}', '{}', p_allowed_from);
  after players;
  answer_audit_id bigint;
BEGIN
  PERFORM permit_contract_write(before.tenant_id, before.id, 'SIGN');
  UPDATE players SET
    contract_status = rule.to_status,
    contract_signed_at = now(),
    contract_signed_by = p_signed_by,
    contract_signed_ip = p_signed_ip,
    contract_signature_url = p_signature_url,
    contract_version = p_contract_version,
    contract_esign_consent = p_esign_consent,
    contract_disclosure_version = p_disclosure_version,
    contract_disclosure_sha256 = p_disclosure_sha256,
    contract_signed_user_agent = p_user_agent
  WHERE players.tenant_id = before.tenant_id AND players.id = before.id
  RETURNING * INTO after;

  answer_audit_id := write_family_audit(rule.audit_event, before, after);
  PERFORM queue_contract_message(before.tenant_id, before.id, 'confirmation', after.email, NULL, answer_audit_id);
  -- The family answered: no automatic reminder of this offer is due any more.
  PERFORM graphile_worker.remove_job(contract_reminder_job_key(before.tenant_id, before.id));
  RETURN QUERY SELECT before.tenant_id, before.id, answer_audit_id, answer.* FROM family_answer(before, after) AS answer;
END;
$$;
