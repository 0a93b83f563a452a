-- The previous release's DECLINE (before signers had links of their own): the same transition as
-- decline_contract_as_signer, answered without the signers. Kept while that release may still run
-- during a rolling deploy (docs/OPERATING.md, "Deploying").
-- PL/pgSQL, as that release's was: a call of it in flight while the migration replacing it commits
-- must find the language it started in (a change of language fails it with a syntax error).
CREATE OR REPLACE FUNCTION decline_contract(p_token text, p_allowed_from text[]) RETURNS TABLE (
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
      declined.tenant_id, declined.player_id, declined.audit_id, declined.previous_status, declined.contract_status,
      declined.player_name, declined.team_names, declined.monthly_fee, declined.contract_version, declined.club_name,
      declined.terms_version, declined.terms_title, declined.terms_sha256, declined.terms_body
    FROM decline_contract_as_signer(p_token, p_allowed_from) AS declined;
END;
$$;
