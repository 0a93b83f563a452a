-- SIGN (SPEC §2): offered → signed, by the family through their link, in one call. Under the row
-- lock it re-checks the rule machines/contract.ts declares, records who signed, when, from where and
-- which contract version, and writes the `sign` audit row.
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
  after players;
  team_ids integer[];
  new_audit_id bigint;
BEGIN
  UPDATE players SET
    contract_status = 'signed',
    contract_signed_at = now(),
    contract_signed_by = p_signed_by,
    contract_signed_ip = p_signed_ip,
    contract_signature_url = p_signature_url,
    contract_version = p_contract_version
  WHERE players.tenant_id = before.tenant_id AND players.id = before.id
  RETURNING * INTO after;

  team_ids := ARRAY(
    SELECT player_teams.team_id FROM player_teams
    WHERE player_teams.tenant_id = before.tenant_id AND player_teams.player_id = before.id
    ORDER BY player_teams.team_id
  );
  INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source)
  VALUES (
    before.tenant_id, before.id, 'sign', contract_snapshot(before, team_ids), contract_snapshot(after, team_ids),
    'family', 'family_link'
  )
  RETURNING contract_audit_log.id INTO new_audit_id;

  RETURN QUERY SELECT before.tenant_id, before.id, new_audit_id;
END;
$$;
