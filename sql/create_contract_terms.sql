-- POST /admin/contract-terms: the club's next version of its terms (1, 2, …). Versions of one club
-- are numbered under its tenant row's lock, so two at once get 1 and 2, never the same number.
CREATE OR REPLACE FUNCTION create_contract_terms(p_tenant_id integer, p_title text, p_body text, p_actor text)
RETURNS TABLE (version integer, title text, sha256 bytea, created_at timestamptz)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
BEGIN
  PERFORM 1 FROM tenants WHERE tenants.id = p_tenant_id FOR UPDATE;
  RETURN QUERY
  INSERT INTO contract_terms (tenant_id, version, title, body, sha256, created_by)
  VALUES (
    p_tenant_id,
    coalesce((SELECT max(contract_terms.version) FROM contract_terms WHERE contract_terms.tenant_id = p_tenant_id), 0) + 1,
    p_title,
    p_body,
    sha256(convert_to(p_body, 'UTF8')),
    p_actor
  )
  RETURNING contract_terms.version, contract_terms.title, contract_terms.sha256, contract_terms.created_at;
END;
$$;
