-- Kept for the previous release (docs/OPERATING.md, "Deploying"): its signatures and declines in flight
-- while the migrations commit still call it by name; sign_contract_as_signer and
-- decline_contract_as_signer write their own rows. Dropped once no instance of that release runs.
--
-- The audit row of a family's SIGN or DECLINE: the contract before and after, with the player's
-- teams (a family's answer never moves a player). Returns the row's id.
CREATE OR REPLACE FUNCTION write_family_audit(p_event_type text, p_before players, p_after players) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  team_ids integer[] := team_ids_of_player(p_before.tenant_id, p_before.id);
  new_audit_id bigint;
BEGIN
  INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source)
  VALUES (
    p_before.tenant_id, p_before.id, p_event_type,
    snapshot_contract(p_before, team_ids), snapshot_contract(p_after, team_ids),
    'family', 'family_link'
  )
  RETURNING contract_audit_log.id INTO new_audit_id;
  RETURN new_audit_id;
END;
$$;
