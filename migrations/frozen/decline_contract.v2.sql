-- DECLINE (SPEC §2): offered → declined, by the family through their link, in one call. The token
-- stays on the player, so the link shows the decline, but it can no longer be signed.
--
-- v2: the rule (target state, audit event, refusal) comes from the machine's rows through
-- contract_transition; the UPDATE passes the players_contract_rules trigger with the DECLINE pass.
CREATE FUNCTION decline_contract(p_token text) RETURNS TABLE (tenant_id integer, player_id integer, audit_id bigint)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  before players := lock_offered_contract(p_token);
  rule contract_transitions := contract_transition(before.contract_status, 'DECLINE');
  after players;
BEGIN
  PERFORM permit_contract_write(before.tenant_id, before.id, 'DECLINE');
  UPDATE players SET contract_status = rule.to_status, contract_declined_at = now()
  WHERE players.tenant_id = before.tenant_id AND players.id = before.id
  RETURNING * INTO after;

  RETURN QUERY SELECT before.tenant_id, before.id, write_family_audit(rule.audit_event, before, after);
END;
$$;
