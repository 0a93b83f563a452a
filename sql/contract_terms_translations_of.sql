-- A version's translations as the admin API answers them: {"es": {"title", "sha256"}, …} (sha256
-- in hex, of the body); {} when it has none.
CREATE OR REPLACE FUNCTION contract_terms_translations_of(p_tenant_id integer, p_version integer) RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
  SELECT coalesce(
    jsonb_object_agg(translation.language, jsonb_build_object('title', translation.title, 'sha256', encode(translation.sha256, 'hex'))),
    '{}'::jsonb
  )
  FROM contract_terms_translations AS translation
  WHERE translation.tenant_id = p_tenant_id AND translation.version = p_version;
$$;
