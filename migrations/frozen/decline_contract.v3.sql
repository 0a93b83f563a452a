-- DECLINE (SPEC §2): offered → declined, by the family through their link, in one call. The token
-- stays on the player, so the link shows the decline, but it can no longer be signed.
--
-- v2: the rule (target state, audit event, refusal) comes from the machine's rows through
-- contract_transition; the UPDATE passes the players_contract_rules trigger with the DECLINE pass.
-- v3: one round trip. The service's machine names the states it takes DECLINE from
-- (p_allowed_from), checked by refuse_unless_machine_allows, and the answer is the contract as the
-- link now shows it.
CREATE FUNCTION decline_contract(p_token text, p_allowed_from text[]) RETURNS TABLE (
  tenant_id integer,
  player_id integer,
  audit_id bigint,
  previous_status text,
  contract_status text,
  player_name text,
  team_names text[],
  monthly_fee integer,
  contract_version text
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  before players := lock_offered_contract(p_token);
  rule contract_transitions;
  after players;
BEGIN
  PERFORM refuse_unless_machine_allows(before.contract_status, 'DECLINE', p_allowed_from);
  rule := contract_transition(before.contract_status, 'DECLINE');
  PERFORM permit_contract_write(before.tenant_id, before.id, 'DECLINE');
  UPDATE players SET contract_status = rule.to_status, contract_declined_at = now()
  WHERE players.tenant_id = before.tenant_id AND players.id = before.id
  RETURNING * INTO after;

  RETURN QUERY SELECT before.tenant_id, before.id, write_family_audit(rule.audit_event, before, after), answer.*
  FROM family_answer(before, after) AS answer;
END;
$$;
