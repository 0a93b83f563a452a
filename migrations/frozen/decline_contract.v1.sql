-- DECLINE (SPEC §2): offered → declined, by the family through their link, in one call. The token
-- stays on the player, so the link shows the decline, but it can no longer be signed.
CREATE FUNCTION decline_contract(p_token text) RETURNS TABLE (tenant_id integer, player_id integer, audit_id bigint)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  before players := lock_offered_contract(p_token);
  after players;
BEGIN
  UPDATE players SET contract_status = 'declined', contract_declined_at = now()
  WHERE players.tenant_id = before.tenant_id AND players.id = before.id
  RETURNING * INTO after;

  RETURN QUERY SELECT before.tenant_id, before.id, write_family_audit('decline', before, after);
END;
$$;
