-- DECLINE (SPEC §2): offered → declined, by the family through their link, in one call. The token
-- stays on the player, so the link shows the decline, but it can no longer be signed.
CREATE FUNCTION decline_contract(p_token text) RETURNS TABLE (tenant_id integer, player_id integer, audit_id bigint)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  before players := lock_offered_contract(p_token);
  after players;
  team_ids integer[];
  new_audit_id bigint;
BEGIN
  UPDATE players SET contract_status = 'declined', contract_declined_at = now()
  WHERE players.tenant_id = before.tenant_id AND players.id = before.id
  RETURNING * INTO after;

  team_ids := ARRAY(
    SELECT player_teams.team_id FROM player_teams
    WHERE player_teams.tenant_id = before.tenant_id AND player_teams.player_id = before.id
    ORDER BY player_teams.team_id
  );
  INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source)
  VALUES (
    before.tenant_id, before.id, 'decline', contract_snapshot(before, team_ids), contract_snapshot(after, team_ids),
    'family', 'family_link'
  )
  RETURNING contract_audit_log.id INTO new_audit_id;

  RETURN QUERY SELECT before.tenant_id, before.id, new_audit_id;
END;
$$;
