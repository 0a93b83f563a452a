-- A player's own language (docs/LANGUAGES.md), the one they read in when they sign for themselves;
-- NULL: none. The service checks it has a catalog; the table's CHECK, its form. Answers it as stored.
CREATE OR REPLACE FUNCTION set_player_language(p_tenant_id integer, p_player_id integer, p_language text) RETURNS text
LANGUAGE sql
AS $$
  UPDATE players SET language = p_language
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  RETURNING players.language;
$$;
