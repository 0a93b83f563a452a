-- A player's teams, in id order: what every audit snapshot and transition reads of them, in one
-- place (the offer, the family's answers, withdrawal, expiry, an override, a player's update, and
-- the worker's message when no audit row says otherwise).
CREATE OR REPLACE FUNCTION player_team_ids(p_tenant_id integer, p_player_id integer) RETURNS integer[]
LANGUAGE sql
STABLE
AS $$
  SELECT ARRAY(
    SELECT player_teams.team_id FROM player_teams
    WHERE player_teams.tenant_id = p_tenant_id AND player_teams.player_id = p_player_id
    ORDER BY player_teams.team_id
  );
$$;
