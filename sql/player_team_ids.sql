-- Kept for the previous release, whose functions call player_team_ids by name: a function keeps its
-- language (docs/OPERATING.md, "A breaking change"). It answers what sql/team_ids_of_player.sql does; dropped
-- once no instance of that release runs.
CREATE OR REPLACE FUNCTION player_team_ids(p_tenant_id integer, p_player_id integer) RETURNS integer[]
LANGUAGE sql
STABLE
AS $$
  SELECT team_ids_of_player(p_tenant_id, p_player_id);
$$;
