-- POST /admin/teams: one statement, so an idempotent retry (run_idempotent_write) and a plain call
-- create a team the same way. A name the club already uses violates teams_name_unique.
CREATE FUNCTION create_team(p_tenant_id integer, p_name text)
RETURNS TABLE (id integer, name text)
LANGUAGE sql
AS $$
  INSERT INTO teams (tenant_id, name) VALUES (p_tenant_id, p_name)
  RETURNING teams.id, teams.name;
$$;
