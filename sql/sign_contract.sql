-- SIGN as the previous release calls it (docs/OPERATING.md, "Deploying"): sign_contract_with_evidence
-- without the evidence it did not collect, recorded as unknown (NULL). Dropped once no instance of
-- that release runs.
CREATE OR REPLACE FUNCTION sign_contract(
  p_token text,
  p_signed_by text,
  p_signature_url text,
  p_signed_ip inet,
  p_contract_version text,
  p_allowed_from text[]
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
LANGUAGE sql
AS $$
  SELECT * FROM sign_contract_with_evidence(
    p_token, p_signed_by, p_signature_url, p_signed_ip, p_contract_version, p_allowed_from, NULL, NULL, NULL, NULL
  );
$$;
