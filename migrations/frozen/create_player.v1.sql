-- POST /admin/players: the player and their teams in one statement, so a team that is not the
-- club's (player_teams_team_fkey) leaves no player behind.
CREATE FUNCTION create_player(p_tenant_id integer, p_name text, p_email text, p_team_ids integer[])
RETURNS TABLE (
  id integer,
  name text,
  email text,
  contract_status text,
  contract_token text,
  monthly_fee integer,
  team_ids integer[]
)
LANGUAGE sql
AS $$
  WITH created AS (
    INSERT INTO players (tenant_id, name, email) VALUES (p_tenant_id, p_name, p_email)
    RETURNING *
  ), joined AS (
    INSERT INTO player_teams (tenant_id, player_id, team_id)
    SELECT created.tenant_id, created.id, team_id
    FROM created, unnest(p_team_ids) AS team_id
    RETURNING team_id
  )
  SELECT created.id, created.name, created.email, created.contract_status, created.contract_token,
         created.monthly_fee, ARRAY(SELECT joined.team_id FROM joined ORDER BY joined.team_id)
  FROM created;
$$;
