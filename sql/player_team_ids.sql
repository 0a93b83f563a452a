-- player_team_ids, as an SQL function: what the previous release's functions call (docs/OPERATING.md,
-- "A breaking change": a function keeps its language), and what queries that read it call. It
-- answers what sql/team_ids_of_player.sql does.
CREATE OR REPLACE FUNCTION player_team_ids(p_tenant_id integer, p_player_id integer) RETURNS integer[]
LANGUAGE sql
STABLE
AS $$
  SELECT team_ids_of_player(p_tenant_id, p_player_id);
$$;
