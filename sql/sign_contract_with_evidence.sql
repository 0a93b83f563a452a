-- The previous release's SIGN (before signers had links of their own): the same transition as
-- sign_contract_as_signer, answered without the signers. Kept while that release may still run
-- during a rolling deploy (docs/OPERATING.md, "Deploying").
-- PL/pgSQL, as that release's was: a call of it in flight while the migration replacing it commits
-- must find the language it started in (a change of language fails it with a syntax error).
CREATE OR REPLACE FUNCTION sign_contract_with_evidence(
  p_token text,
  p_signed_by text,
  p_signature_url text,
  p_signed_ip inet,
  p_contract_version text,
  p_allowed_from text[],
  p_esign_consent boolean,
  p_disclosure_version text,
  p_disclosure_sha256 bytea,
  p_user_agent text
) RETURNS TABLE (
  tenant_id integer,
  player_id integer,
  audit_id bigint,
  previous_status text,
  contract_status text,
  player_name text,
  team_names text[],
  monthly_fee integer,
  contract_version text,
  club_name text,
  terms_version integer,
  terms_title text,
  terms_sha256 bytea,
  terms_body text
)
LANGUAGE plpgsql
AS $$
BEGIN
  RETURN QUERY
    SELECT
      signed.tenant_id, signed.player_id, signed.audit_id, signed.previous_status, signed.contract_status,
      signed.player_name, signed.team_names, signed.monthly_fee, signed.contract_version, signed.club_name,
      signed.terms_version, signed.terms_title, signed.terms_sha256, signed.terms_body
    FROM sign_contract_as_signer(
      p_token, p_signed_by, p_signature_url, p_signed_ip, p_contract_version, p_allowed_from,
      p_esign_consent, p_disclosure_version, p_disclosure_sha256, p_user_agent
    ) AS signed;
END;
$$;
