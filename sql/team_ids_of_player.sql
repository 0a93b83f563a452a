-- A player's teams, in id order: what every audit snapshot and transition reads of them, in one
-- place (the offer, the family's answers, withdrawal, expiry, an override, a player's update, and
-- the worker's message when no audit row says otherwise).
--
-- PL/pgSQL, so that each session plans its query once: the transitions call it for every audit
-- row, and PostgreSQL 15 plans an SQL function's query again on every call (docs/PERFORMANCE.md,
-- "In the database").
CREATE OR REPLACE FUNCTION team_ids_of_player(p_tenant_id integer, p_player_id integer) RETURNS integer[]
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
  RETURN (
    SELECT ARRAY(
      SELECT player_teams.team_id FROM player_teams
      WHERE player_teams.tenant_id = p_tenant_id AND player_teams.player_id = p_player_id
      ORDER BY player_teams.team_id
    )
  );
END;
$$;
