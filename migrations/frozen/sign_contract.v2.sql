-- SIGN (SPEC §2): offered → signed, by the family through their link, in one call. Under the row
-- lock it re-checks the rule machines/contract.ts declares, records who signed, when, from where and
-- which contract version, and writes the `sign` audit row.
--
-- v2: the rule (target state, audit event, refusal) comes from the machine's rows through
-- contract_transition; the UPDATE passes the players_contract_rules trigger with the SIGN pass.
CREATE FUNCTION sign_contract(
  p_token text,
  p_signed_by text,
  p_signature_url text,
  p_signed_ip inet,
  p_contract_version text
) RETURNS TABLE (tenant_id integer, player_id integer, audit_id bigint)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  before players := lock_offered_contract(p_token);
  rule contract_transitions := contract_transition(before.contract_status, 'SIGN');
  after players;
BEGIN
  PERFORM permit_contract_write(before.tenant_id, before.id, 'SIGN');
  UPDATE players SET
    contract_status = rule.to_status,
    contract_signed_at = now(),
    contract_signed_by = p_signed_by,
    contract_signed_ip = p_signed_ip,
    contract_signature_url = p_signature_url,
    contract_version = p_contract_version
  WHERE players.tenant_id = before.tenant_id AND players.id = before.id
  RETURNING * INTO after;

  RETURN QUERY SELECT before.tenant_id, before.id, write_family_audit(rule.audit_event, before, after);
END;
$$;
