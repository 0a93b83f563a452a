-- A player's guardians, in list order, as the admin answers show them: a JSON array of
-- {id, name, email, language} (docs/PRODUCT.md, "People"); an empty array when none are listed.
CREATE OR REPLACE FUNCTION player_guardians(p_tenant_id integer, p_player_id integer) RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
  SELECT coalesce(
    jsonb_agg(
      jsonb_build_object('id', guardians.id, 'name', guardians.name, 'email', guardians.email, 'language', guardians.language)
      ORDER BY guardians.position
    ),
    '[]'::jsonb
  )
  FROM guardians
  WHERE guardians.tenant_id = p_tenant_id AND guardians.player_id = p_player_id;
$$;
