-- PATCH /admin/teams/:id: renames a team. No row when the club has no such team; a name the club
-- already uses violates teams_name_unique.
CREATE OR REPLACE FUNCTION update_team(p_tenant_id integer, p_team_id integer, p_name text)
RETURNS TABLE (id integer, name text)
LANGUAGE sql
AS $$
  UPDATE teams SET name = p_name
  WHERE teams.tenant_id = p_tenant_id AND teams.id = p_team_id
  RETURNING teams.id, teams.name;
$$;
