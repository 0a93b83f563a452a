-- POST /admin/contract-terms with the languages of docs/LANGUAGES.md: the club's next version of its
-- terms, the language its own text is in (NULL: not said), and its translations, p_translations
-- being {"es": {"title", "body"}, …}; each is a row of its own, immutable like the version, with the
-- sha256 of its body. Versions of one club are numbered under its tenant row's lock, so two at once
-- get 1 and 2. create_contract_terms, without languages, stays for the previous release.
CREATE OR REPLACE FUNCTION create_contract_terms_with_translations(
  p_tenant_id integer,
  p_title text,
  p_body text,
  p_actor text,
  p_language text,
  p_translations jsonb
) RETURNS TABLE (version integer, title text, sha256 bytea, created_at timestamptz, language text, translations jsonb)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  created contract_terms;
BEGIN
  PERFORM 1 FROM tenants WHERE tenants.id = p_tenant_id FOR UPDATE;
  INSERT INTO contract_terms (tenant_id, version, title, body, sha256, created_by, language)
  VALUES (
    p_tenant_id,
    coalesce((SELECT max(contract_terms.version) FROM contract_terms WHERE contract_terms.tenant_id = p_tenant_id), 0) + 1,
    p_title,
    p_body,
    sha256(convert_to(p_body, 'UTF8')),
    p_actor,
    p_language
  )
  RETURNING * INTO created;
  INSERT INTO contract_terms_translations (tenant_id, version, language, title, body, sha256)
  SELECT p_tenant_id, created.version, translation.key, translation.value->>'title', translation.value->>'body',
    sha256(convert_to(translation.value->>'body', 'UTF8'))
  FROM jsonb_each(coalesce(p_translations, '{}')) AS translation;
  RETURN QUERY SELECT created.version, created.title, created.sha256, created.created_at, created.language,
    contract_terms_translations_of(p_tenant_id, created.version);
END;
$$;
