-- A player's guardians become p_guardians (a JSON array of {"name", "email", "language"?}, already checked by
-- check_player_people), in that order: the old list is replaced whole, and each guardian listed
-- gets a new id. Sending the current list again (same names and e-mails in the same order) changes
-- nothing, ids included. Answers the list as player_guardians reads it. The caller holds the
-- player's row (inserted or locked FOR UPDATE), so two edits of one list never interleave.
CREATE OR REPLACE FUNCTION set_player_guardians(p_tenant_id integer, p_player_id integer, p_guardians jsonb) RETURNS jsonb
LANGUAGE plpgsql
AS $$
BEGIN
  IF (
    SELECT coalesce(jsonb_agg(jsonb_build_object('name', guardians.name, 'email', guardians.email, 'language', guardians.language) ORDER BY guardians.position), '[]'::jsonb)
    FROM guardians
    WHERE guardians.tenant_id = p_tenant_id AND guardians.player_id = p_player_id
  ) IS DISTINCT FROM (
    SELECT coalesce(jsonb_agg(jsonb_build_object('name', wanted.value->>'name', 'email', wanted.value->>'email', 'language', wanted.value->>'language') ORDER BY wanted.position), '[]'::jsonb)
    FROM jsonb_array_elements(p_guardians) WITH ORDINALITY AS wanted(value, position)
  ) THEN
    DELETE FROM guardians WHERE guardians.tenant_id = p_tenant_id AND guardians.player_id = p_player_id;
    INSERT INTO guardians (tenant_id, player_id, position, name, email, language)
    SELECT p_tenant_id, p_player_id, wanted.position, wanted.value->>'name', wanted.value->>'email', wanted.value->>'language'
    FROM jsonb_array_elements(p_guardians) WITH ORDINALITY AS wanted(value, position)
    ORDER BY wanted.position;
  END IF;
  RETURN player_guardians(p_tenant_id, p_player_id);
END;
$$;
