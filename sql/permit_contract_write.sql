-- The pass the players_contract_rules trigger asks for before a contract column changes: which
-- event is being carried out (a machine event such as OFFER, or `override`) on which player. The
-- contract functions take it just before their UPDATE. It lasts for the transaction only, and the
-- trigger spends it on the first change of that one player's row. PL/pgSQL rather than SQL, whose
-- statement would be planned again on every call.
CREATE OR REPLACE FUNCTION permit_contract_write(p_tenant_id integer, p_player_id integer, p_event text) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('club_contracts.transition', p_event || '/' || p_tenant_id || '/' || p_player_id, true);
END;
$$;
